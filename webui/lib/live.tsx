"use client";

/** The events socket for React: one stream per page load, shared by every component. */

import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";

import { EventStream, type ConnectionState, type StreamListener } from "./events";

const StreamContext = createContext<EventStream | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const [stream] = useState(() => new EventStream());
  useEffect(() => {
    stream.start();
    return () => stream.stop();
  }, [stream]);
  return <StreamContext.Provider value={stream}>{children}</StreamContext.Provider>;
}

function useStream(): EventStream {
  const stream = useContext(StreamContext);
  if (stream === null) throw new Error("useStream needs a <LiveProvider> around it");
  return stream;
}

/** The socket's state, for the connection indicator. */
export function useConnectionState(): ConnectionState {
  const stream = useStream();
  return useSyncExternalStore(
    (notify) => stream.subscribe({ state: notify }),
    () => stream.state,
    () => "connecting" as ConnectionState,
  );
}

/** Why the socket last closed (empty when the server gave no reason). */
export function useLastCloseReason(): string {
  const stream = useStream();
  return stream.lastCloseReason;
}

/**
 * Call the listener's handlers for events and resyncs while the component is mounted
 * (always the newest handlers: no stale closures).
 */
export function useLiveEvents(listener: StreamListener): void {
  const stream = useStream();
  const current = useRef(listener);
  useEffect(() => {
    current.current = listener;
  });
  useEffect(
    () =>
      stream.subscribe({
        event: (event) => current.current.event?.(event),
        resync: (since) => current.current.resync?.(since),
        state: (state) => current.current.state?.(state),
      }),
    [stream],
  );
}

/** When the current unbroken stream began (see `EventStream.continuousSince`). */
export function useContinuousSince(): () => number {
  const stream = useStream();
  return () => stream.continuousSince;
}
