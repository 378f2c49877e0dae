import { clip } from './clip.ts';
import { MAX_LISTED } from './limits.ts';

/**
 * The answer of POST /v1/events, bounded whatever the body held: at most MAX_LISTED rejections
 * and duplicates listed (the totals beside them), every echoed id, path and message clipped.
 * A 10 000-item body of bad events answers in kilobytes, not in a copy of itself.
 */
export interface Rejection {
  index: number;
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

export interface Duplicate {
  index: number;
  id: string;
}

export interface IngestAnswer {
  accepted: number;
  rejected: Rejection[];
  rejectedCount: number;
  duplicates: Duplicate[];
  duplicateCount: number;
}

const MESSAGE_MAX = 300;
const ISSUES_MAX = 5;

export class IngestReport {
  accepted = 0;
  readonly rejected: Rejection[] = [];
  rejectedCount = 0;
  readonly duplicates: Duplicate[] = [];
  duplicateCount = 0;

  reject(index: number, error: Rejection['error']): void {
    this.rejectedCount++;
    if (this.rejected.length >= MAX_LISTED) return;
    const issues = error.issues?.slice(0, ISSUES_MAX).map((i) => ({ path: clip(i.path, MESSAGE_MAX), message: clip(i.message, MESSAGE_MAX) }));
    this.rejected.push({ index, error: { code: error.code, message: clip(error.message, MESSAGE_MAX), ...(issues ? { issues } : {}) } });
  }

  duplicate(index: number, id: string): void {
    this.duplicateCount++;
    if (this.duplicates.length < MAX_LISTED) this.duplicates.push({ index, id: clip(id) });
  }

  answer(): IngestAnswer {
    return { accepted: this.accepted, rejected: this.rejected, rejectedCount: this.rejectedCount, duplicates: this.duplicates, duplicateCount: this.duplicateCount };
  }
}
