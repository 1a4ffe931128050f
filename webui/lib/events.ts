/**
 * The events socket: one stream of the server's event log, resumed by `seq` after every
 * reconnect so no change is missed or applied twice.
 */

import { eventsUrl } from "./api/client";

export type ConnectionState = "connecting" | "live" | "paused";

/** One change, as the event log records it. */
export interface WorkbenchEvent {
  type: "event";
  seq: number;
  ts: number;
  actor: string;
  kind: string;
  entity: string;
  id: string;
  version: number;
  payload?: Record<string, unknown>;
  /** The caller may list the item but not read it: no payload. */
  redacted?: boolean;
}

/** Sent first when the client is too far behind to replay: the current state. */
export interface SnapshotFrame {
  type: "snapshot";
  seq: number;
}

export type Frame = WorkbenchEvent | SnapshotFrame;

export interface StreamListener {
  /** A change the page may apply. */
  event?(event: WorkbenchEvent): void;
  /**
   * Changes may have been missed (the first connection, or a snapshot after a long gap):
   * what was read before `since` (a `performance.now()` time) must be read again.
   */
  resync?(since: number): void;
  state?(state: ConnectionState): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export class EventStream {
  private socket: WebSocket | null = null;
  private lastSeq: number | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<StreamListener>();
  private stopped = false;
  state: ConnectionState = "connecting";
  /** When the current unbroken stream began (`performance.now()`); -1 before the first. */
  continuousSince = -1;
  /** Why the last connection closed, when the server said. */
  lastCloseReason = "";

  start(): void {
    this.stopped = false;
    if (this.socket === null && this.retryTimer === null) this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.close(1000);
    this.socket = null;
  }

  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener.state?.(state);
  }

  private resync(): void {
    this.continuousSince = performance.now();
    for (const listener of this.listeners) listener.resync?.(this.continuousSince);
  }

  private connect(): void {
    this.retryTimer = null;
    let socket: WebSocket;
    try {
      socket = new WebSocket(eventsUrl(this.lastSeq));
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = FIRST_RETRY_MS;
      this.lastCloseReason = "";
      // Resumed by seq, nothing is lost; a first connection may have missed changes
      // made between a page's read and this moment.
      if (this.lastSeq === null) this.resync();
      this.setState("live");
    };
    socket.onmessage = (message: MessageEvent<string>) => this.receive(message.data);
    socket.onclose = (close: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.lastCloseReason = close.reason;
      if (this.stopped) return;
      this.setState("paused");
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const jitter = this.retryMs * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.connect(), jitter);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private receive(data: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(data) as Frame;
    } catch {
      return;
    }
    if (typeof frame.seq === "number") this.lastSeq = frame.seq;
    if (frame.type === "snapshot") {
      this.resync();
      return;
    }
    if (frame.type === "event") {
      for (const listener of this.listeners) listener.event?.(frame);
    }
  }
}
