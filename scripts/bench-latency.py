#!/usr/bin/python3
"""Produce latency with librdkafka (Debian's python3-confluent-kafka): sends fixed-size records at a
steady rate and measures the time from produce() to the delivery report. Prints one JSON line."""
import json
import os
import sys
import time

from confluent_kafka import Producer


def main() -> None:
    bootstrap, topic, count, size, rate, acks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'acks': acks,
        'linger.ms': 1,
        'queue.buffering.max.messages': 1000000,
        'queue.buffering.max.kbytes': 1048576,
        # Nagle on the client holds each request while an earlier one is unacknowledged, and the
        # broker's ACK waits for the response (replication, fsync) or the delayed-ACK timer.
        'socket.nagle.disable': os.environ.get('BENCH_NAGLE', '') != 'on',
    })
    latencies = []
    errors = [0]
    payload = b'x' * size

    def delivered(err, _msg, sent=None):
        if err is not None:
            errors[0] += 1
        else:
            latencies.append(time.perf_counter() - sent)

    start = time.perf_counter()
    interval = 1.0 / rate
    for i in range(count):
        target = start + i * interval
        now = time.perf_counter()
        if target > now:
            time.sleep(target - now)
        sent = time.perf_counter()
        while True:
            try:
                producer.produce(topic, payload, on_delivery=lambda err, msg, sent=sent: delivered(err, msg, sent))
                break
            except BufferError:
                producer.poll(0.001)
        producer.poll(0)
    producer.flush(60)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 3)

    print(json.dumps({
        'records': len(latencies), 'errors': errors[0], 'seconds': round(elapsed, 3),
        'p50_ms': pct(0.50), 'p99_ms': pct(0.99), 'p999_ms': pct(0.999), 'max_ms': pct(1.0),
    }))


if __name__ == '__main__':
    main()
