import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The events socket: one stream of the server's event log for the whole panel, resumed
 * after every reconnect from the last `seq` applied (`?after=SEQ`), so no change is
 * missed or applied twice.
 */

/** `connecting` before the first answer; `paused` while the socket is down and retried. */
export type LiveState = 'connecting' | 'live' | 'paused' | 'off';

/** One change, as the event log records it. */
export interface WorkbenchEvent {
  type: 'event';
  seq: number;
  ts: number;
  actor: string;
  /** `note.updated`, `card.moved`, `catalog.item`, ... */
  kind: string;
  /** `prompt`, `note`, `board`, `card`, `feedback`, `catalog`. */
  entity: string;
  id: string;
  version: number;
  payload?: Record<string, unknown>;
  /** The user may list the item but not read it: no payload. */
  redacted?: boolean;
}

/** What a subscriber of the stream is told. */
export interface StreamListener {
  /** A change. */
  event?(event: WorkbenchEvent): void;
  /** Changes may have been missed (the first connection, a snapshot after a long gap):
   * whatever was read before must be read again. */
  resync?(): void;
  state?(state: LiveState): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
/** Close code the server sends for a request it cannot serve (an `after` it refuses). */
const CLOSE_BAD_REQUEST = 1008;

/** The events socket's address, resuming after `after` when given. */
function eventsUrl(after: number | null): string {
  const settings = ServerConnection.makeSettings();
  const query: Record<string, string> = {};
  if (after !== null) {
    query.after = String(after);
  }
  if (settings.appendToken && settings.token) {
    query.token = settings.token;
  }
  return (
    URLExt.join(settings.wsUrl, 'mcp-workbench/api/v1/events') + URLExt.objectToQueryString(query)
  );
}

/** One connection to the events socket, shared by every tab; reconnects with backoff. */
export class EventStream {
  private socket: WebSocket | null = null;
  private lastSeq: number | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<StreamListener>();
  private running = false;
  private current: LiveState = 'connecting';

  get state(): LiveState {
    return this.current;
  }

  /** Connect (again, after `stop`). */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.setState('connecting');
    this.connect();
  }

  /** Close the socket and stop retrying; `start` resumes where the stream stopped. */
  stop(): void {
    this.running = false;
    this.clearRetry();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.setState('off');
  }

  /** Retry now rather than after the backoff. */
  reconnectNow(): void {
    if (this.running && this.socket === null) {
      this.clearRetry();
      this.retryMs = FIRST_RETRY_MS;
      this.connect();
    }
  }

  /** Tell `listener` about changes until the returned function is called. */
  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private setState(state: LiveState): void {
    if (state !== this.current) {
      this.current = state;
      for (const listener of this.listeners) {
        listener.state?.(state);
      }
    }
  }

  private resync(): void {
    for (const listener of this.listeners) {
      listener.resync?.();
    }
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
      this.setState('live');
      // Resumed by seq nothing is lost; a first connection may have missed changes made
      // between a tab's read and now.
      if (this.lastSeq === null) {
        this.resync();
      }
    };
    socket.onmessage = (message: MessageEvent) => {
      if (typeof message.data === 'string') {
        this.receive(message.data);
      }
    };
    socket.onclose = (close: CloseEvent) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      if (close.code === CLOSE_BAD_REQUEST) {
        this.lastSeq = null; // start afresh (and read everything again) rather than loop
      }
      if (this.running) {
        this.setState('paused');
        this.scheduleRetry();
      }
    };
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private scheduleRetry(): void {
    if (!this.running) {
      return;
    }
    const jittered = this.retryMs * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.connect(), jittered);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private receive(data: string): void {
    let frame: { type?: unknown; seq?: unknown };
    try {
      frame = JSON.parse(data) as { type?: unknown; seq?: unknown };
    } catch {
      return;
    }
    if (typeof frame.seq === 'number') {
      this.lastSeq = frame.seq;
    }
    if (frame.type === 'snapshot') {
      this.resync();
    } else if (frame.type === 'event') {
      const event = frame as WorkbenchEvent;
      for (const listener of this.listeners) {
        listener.event?.(event);
      }
    }
  }
}
