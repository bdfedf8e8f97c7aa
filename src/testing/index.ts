// `streamwright/testing`: EmbeddedKafka and KafkaTestUtils for tests land here.
export {};
