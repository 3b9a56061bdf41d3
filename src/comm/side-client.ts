// One side of a comparison over the same kernel channel: every request carries params.side
// ('b' or 'diff'), so the ordinary tensor panel can show run b's activation or the difference.
import { DataClient } from './client.ts';
import type { ClientStatus, DataReply } from './client.ts';
import type { Method, MethodParams } from '../protocol/messages.ts';

export type Side = 'a' | 'b' | 'diff';

export class SideClient extends DataClient {
  constructor(
    private readonly base: DataClient,
    readonly side: Side,
  ) {
    super(null);
  }

  override get connected(): boolean {
    return this.base.connected;
  }

  override onStatus(listener: (s: ClientStatus) => void): () => void {
    return this.base.onStatus(listener);
  }

  override peek<M extends Method>(method: M, params: MethodParams[M]): DataReply<M> | undefined {
    return this.base.peek(method, this.withSide(params));
  }

  override request<M extends Method>(method: M, params: MethodParams[M], channel?: string): Promise<DataReply<M>> {
    return this.base.request(method, this.withSide(params), channel === undefined ? undefined : `${channel}:${this.side}`);
  }

  override dispose(): void {
    // The base client belongs to the widget; it is disposed with it.
  }

  private withSide<P>(params: P): P {
    return { ...params, side: this.side };
  }
}
