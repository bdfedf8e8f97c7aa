// `streamwright/broker`: the embedded Kafka broker (EmbeddedKafka) lands here.
export {};
