// Splits a Kafka TCP byte stream into frames (an int32 size, then that many bytes) for the
// benchmark's stub server and raw clients. Chunks are kept as they arrive and joined only
// once a whole frame is there, so a frame costs at most one copy however it was split.
export function frameSplitter(onFrame) {
  let chunks = [];
  let buffered = 0;
  let needed = 4; // bytes wanted before the next frame can be cut
  return (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered < needed) return;
    const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
    let at = 0;
    while (data.length - at >= 4) {
      const size = data.readInt32BE(at);
      if (data.length - at - 4 < size) break;
      const frame = data.subarray(at + 4, at + 4 + size);
      at += 4 + size;
      if (onFrame(frame) === false) return; // the consumer gave up on this stream
    }
    const rest = data.length - at;
    chunks = rest === 0 ? [] : [data.subarray(at)];
    buffered = rest;
    needed = rest >= 4 ? 4 + data.readInt32BE(at) : 4;
  };
}
