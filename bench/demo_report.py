#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""demo_report.py --out DIR RESULTS.json...: the short table of
scripts/demo.sh (per pair, image set and sharing mode: memory of running
containers, every file read against its limit, start time of the second
container against a warm one) and DIR/start.png, from the results.json
of one scripts/bench.sh run per pair."""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import containers_report  # noqa: E402

MB = 1 << 20


def fmt(x, spec):
    return '-' if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('results', nargs='+')
    args = ap.parse_args()
    head = ['pair', 'images', 'sharing', 'N=2 MB', 'N=10 MB', 'all read MB',
            'of limit', 'cold s', 'second s', 'warm s', 'second/warm', 'second disk MB']
    rows, starts, labels, chart = [], [], {}, []
    disk = None
    for path in args.results:
        with open(path) as f:
            doc = json.load(f)
        kd = doc['kernels'].get(doc['primary'])
        if not kd:
            continue
        disk = disk or doc.get('disk')
        for name, s in doc['sets'].items():
            key = f'{s["label"]}|{name}'
            labels[key] = s['label']
            for mode in ('unshared', 'shared'):
                cont = {e['n']: e for e in kd.get('containers', []) if e['set'] == name}
                mem = next((e for e in kd['memory'] if e['set'] == name and e['n'] == 2), None)
                st = next((e for e in kd.get('start', [])
                           if e['set'] == name and e['mode'] == mode), None)
                if st:
                    starts.append(dict(st, set=key))
                if mem and mode == 'shared' and mem['limit'] is not None:
                    u = mem['unshared_bytes'] / MB
                    chart.append((f'{s["label"].split(" ")[0]}\n{name}', doc['primary'], u,
                                  mem['shared_bytes'] / MB, u * (1 - mem['limit'])))
                mem_b = mem and mem[f'{mode}_bytes']
                rows.append([s['label'], name, 'on' if mode == 'shared' else 'off',
                             fmt(cont[2][f'{mode}_file'] / MB if 2 in cont else None, '.1f'),
                             fmt(cont[10][f'{mode}_file'] / MB if 10 in cont else None, '.1f'),
                             fmt(mem_b / MB if mem_b else None, '.1f'),
                             fmt(100 * mem['of_limit'] if mem and mode == 'shared'
                                 and mem['of_limit'] is not None else None, '.1f'),
                             fmt(st and st['cold_s'], '.2f'), fmt(st and st['second_s'], '.2f'),
                             fmt(st and st['warm_s'], '.2f'),
                             fmt(st and st['second_over_warm'], '.2f'),
                             fmt(st and st['second_disk_mb'], '.1f')])
    if all(r[4] == '-' for r in rows):   # the demo runs N=2 only
        head.pop(4)
        for r in rows:
            r.pop(4)
    w = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    print('\n' + '  '.join(f'{h:<{w[i]}}' for i, h in enumerate(head)))
    for r in rows:
        print('  '.join(f'{str(c):<{w[i]}}' for i, c in enumerate(r)))
    print('N=2, N=10: file pages of N running containers (memory cgroup); all read: '
          'every file of 2 mounts; of limit: reduction / theoretical limit, in %')
    import report
    if chart:
        report.plot(chart, os.path.join(args.out, 'memory.png'),
                    'page cache of every file of two mounts, sharing off and on')
        print(f'saved {args.out}/memory.png')
    if starts:
        title = 'container start: second image with the first cached, vs warm'
        if disk:
            title += '\n' + report.disk_line(disk)
        containers_report.start_plot(starts, lambda k: k.replace('|', '\n'),
                                     os.path.join(args.out, 'start.png'), title)
        print(f'saved {args.out}/start.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())
