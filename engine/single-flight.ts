/**
 * One run of `task` at a time; a request during a run gets one more right after it, shared by every
 * request made meanwhile (so a burst of requests costs at most two runs). Each request resolves when
 * a run that started after it has ended.
 */
export class SingleFlight {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.task();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
