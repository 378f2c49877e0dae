/** kafkajs's request queue, internal and untyped; request-queue-timer.ts patches one method of it. */
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: { new (opts: Record<string, unknown>): unknown; prototype: object };
  export default RequestQueue;
}
