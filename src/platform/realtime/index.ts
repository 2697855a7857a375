export { closeWebSocketsGoingAway, createRealtimeHub, RealtimeHub, WS_CLOSE, type RealtimeOptions } from './hub.js';
export {
  OrderedStream,
  type OrderedEventSource,
  type OrderedStreamOptions,
  type StreamEvent,
  type StreamSink,
} from './ordered-stream.js';
export { formatSseComment, formatSseEvent, parseLastEventId } from './sse.js';
