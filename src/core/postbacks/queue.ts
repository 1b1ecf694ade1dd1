import type { PostbackJob } from './payload';

/** The postbacks queue: durable, at-least-once delivery jobs (pointers to a payment, never its payload). */
export class PostbackQueue {
  constructor(private readonly queue: Queue<PostbackJob>) {}

  async enqueue(job: PostbackJob, delaySeconds = 0): Promise<void> {
    await this.queue.send(job, { contentType: 'json', delaySeconds });
  }
}
