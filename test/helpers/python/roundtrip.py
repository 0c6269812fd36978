"""Produce messages and consume them back with confluent-kafka (librdkafka) or kafka-python.

Usage: /usr/bin/python3 roundtrip.py '<json>' where the JSON gives
  client: "confluent" | "kafka-python"
  bootstrap: "host:port"
  topic, count
  config: the client's own security settings (librdkafka names for confluent, kafka-python
          keyword arguments for kafka-python)
Prints one JSON line: {"produced": n, "consumed": [values...]} or {"error": "..."} (exit 1).
"""
import json
import sys
import time


def confluent(args):
    from confluent_kafka import Consumer, Producer

    base = {"bootstrap.servers": args["bootstrap"], **args["config"]}
    errors = []
    producer = Producer({**base, "acks": "all", "message.timeout.ms": 15000})
    for i in range(args["count"]):
        producer.produce(args["topic"], value=f"m{i}".encode(),
                         on_delivery=lambda err, _msg: errors.append(str(err)) if err else None)
    remaining = producer.flush(20)
    if remaining or errors:
        raise RuntimeError(f"produce failed: {errors[:3]} ({remaining} undelivered)")
    consumer = Consumer({**base, "group.id": f"g-{args['topic']}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([args["topic"]])
    values = []
    deadline = time.time() + 30
    while len(values) < args["count"] and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            raise RuntimeError(str(message.error()))
        values.append(message.value().decode())
    consumer.close()
    return values


def kafka_python(args):
    from kafka import KafkaConsumer, KafkaProducer

    config = args["config"]
    producer = KafkaProducer(bootstrap_servers=args["bootstrap"], acks="all", **config)
    for i in range(args["count"]):
        producer.send(args["topic"], f"m{i}".encode()).get(timeout=20)
    producer.close()
    consumer = KafkaConsumer(args["topic"], bootstrap_servers=args["bootstrap"], auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=20000, **config)
    values = []
    for message in consumer:
        values.append(message.value.decode())
        if len(values) == args["count"]:
            break
    consumer.close()
    return values


def main():
    args = json.loads(sys.argv[1])
    try:
        values = confluent(args) if args["client"] == "confluent" else kafka_python(args)
    except Exception as err:  # the test reads the message
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}))
        sys.exit(1)
    print(json.dumps({"produced": args["count"], "consumed": values}))


main()
