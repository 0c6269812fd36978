#!/usr/bin/python3
"""Transactional produce throughput with librdkafka (Debian's python3-confluent-kafka): one
producer sends COUNT records of SIZE bytes in transactions of PER_TXN records (begin, produce,
commit_transaction), and an idempotent acks=all producer of the same client sends as many without
transactions, for the figure beside it. Each sends its records in two legs, and the legs alternate
transactional, idempotent, idempotent, transactional (ABBA), so a load that drifts during the run
weighs on both figures alike; each figure is its records over its legs' time. Prints one JSON line."""
import json
import sys
import time

from confluent_kafka import Producer


def common(bootstrap):
    return {
        'bootstrap.servers': bootstrap,
        'linger.ms': 5,
        'queue.buffering.max.messages': 1000000,
        'queue.buffering.max.kbytes': 1048576,
        'batch.num.messages': 10000,
        'socket.nagle.disable': True,
    }


def figures(count, size, seconds, extra=None):
    out = {
        'seconds': round(seconds, 2),
        'MBps': round(count * size / 1e6 / seconds, 1),
        'recordsPerSec': round(count / seconds),
    }
    out.update(extra or {})
    return out


def main() -> None:
    bootstrap, topic, count, size, per_txn, partitions = (
        sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    payload = b'x' * size
    errors = [0]

    def delivered(err, _msg):
        if err is not None:
            errors[0] += 1

    txn = Producer({**common(bootstrap), 'transactional.id': 'bench-transactions'})
    txn.init_transactions(30)
    plain = Producer({**common(bootstrap), 'enable.idempotence': True, 'acks': 'all'})
    # Each producer sends COUNT records in two legs of whole transactions' worth; legs ABBA.
    per_leg = count // per_txn // 2
    sent_per_leg = per_leg * per_txn

    def transactional_leg() -> float:
        start = time.perf_counter()
        for t in range(per_leg):
            txn.begin_transaction()
            for i in range(per_txn):
                txn.produce(topic, payload, partition=(t * per_txn + i) % partitions, on_delivery=delivered)
            txn.commit_transaction(30)
        return time.perf_counter() - start

    def idempotent_leg() -> float:
        start = time.perf_counter()
        for i in range(sent_per_leg):
            while True:
                try:
                    plain.produce(topic, payload, partition=i % partitions, on_delivery=delivered)
                    break
                except BufferError:
                    plain.poll(0.01)
            plain.poll(0)
        plain.flush(60)
        return time.perf_counter() - start

    transactional = transactional_leg()
    idempotent = idempotent_leg()
    idempotent += idempotent_leg()
    transactional += transactional_leg()
    sent = 2 * sent_per_leg
    transactions = 2 * per_leg
    print(json.dumps({
        'recordsPerTransaction': per_txn,
        'order': 'transactional, idempotent, idempotent, transactional',
        'records': sent,
        'errors': errors[0],
        'transactional': figures(
            sent, size, transactional, {'transactionsPerSec': round(transactions / transactional, 1)}),
        'idempotentSameClient': figures(sent, size, idempotent),
    }))


if __name__ == '__main__':
    main()
