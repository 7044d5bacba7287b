// Re-renders the calling component whenever one of `listeners`' owners
// announces a change (the router's URL, the session). Module-level state,
// one listener set per store.
import { useEffect, useState } from "preact/hooks";

export function useSubscription(listeners: Set<() => void>) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, [listeners]);
}
