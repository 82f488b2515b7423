#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""report.py --meta META --out DIR --primary KERNEL: turn the guest
results of scripts/bench.sh into results.json, results.md and memory.png
in DIR, print the tables, and exit 1 when on the primary kernel a memory
reduction stays below --min-of-limit of its theoretical limit.

The limit of a set of mounted trees is the share of duplicated data:
1 - (pages of distinct file digests) / (pages of all regular files),
with pages = ceil(size / 4096) per file, and a file with several hard
links counted once per tree (once per inode, as the page cache holds it);
memory figures are the readers' memory cgroup "file" page cache."""
import argparse
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import containers_report  # noqa: E402

import manifest

MB = 1 << 20
PAGE = 4096


def read_manifest(path, tree=None):
    """[(pages, digest)] of a manifest.py list.  A list cached by an older
    manifest.py (no HEADER: one line per path, hard links counted once per
    link) is made again from TREE first."""
    with open(path) as f:
        if f.readline().rstrip('\n') != manifest.HEADER:
            if not tree or not os.path.isdir(tree):
                sys.exit(f'{path} counts hard links once per path and its '
                         f'tree {tree} is gone: remove {path} and run again')
            print(f'report.py: {path}: made again, one line per inode',
                  file=sys.stderr)
            with open(path + '.tmp', 'w') as out:
                manifest.write(tree, out)
            os.replace(path + '.tmp', path)
            return read_manifest(path)
        files = []
        for line in f:
            if line.startswith('#'):
                continue
            pages, digest, _ = line.rstrip('\n').split(' ', 2)
            files.append((int(pages), digest))
    return files


def limit(manifests):
    """(total pages, distinct pages, limit) of the trees mounted together"""
    total, distinct = 0, {}
    for files in manifests:
        for pages, digest in files:
            total += pages
            distinct[digest] = pages
    d = sum(distinct.values())
    return total, d, (1 - d / total) if total else 0.0


def parse_meta(path):
    meta = {'trees': {}, 'sets': {}, 'kernels': {}, 'skipped': {}, 'timing': {},
            'clock': 'host',
            'disk': {'profile': 'loop', 'throttle': 'tmpfs'}}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == 'tree':
                _, tid, manifest, tree, label = line.rstrip('\n').split(' ', 4)
                meta['trees'][tid] = {'manifest': manifest, 'path': tree, 'label': label}
            elif w[0] == 'set':
                meta['sets'][w[1]] = w[2].split(',')
            elif w[0] == 'kernel':
                meta['kernels'][w[1]] = {'status': int(w[2]), 'seconds': int(w[3]),
                                         'raw': w[4]}
            elif w[0] == 'skip':
                meta['skipped'][w[1]] = w[2]
            elif w[0] == 'clock':
                meta['clock'] = w[1] if len(w) > 1 else 'host'
            elif w[0] == 'disk':
                meta['disk'] = {'profile': w[1], 'throttle': w[2]}
            elif w[0] == 'timing':
                meta['timing'] = {w[i]: int(w[i + 1]) for i in range(1, len(w) - 1, 2)}
    return meta


def load_results(raw):
    res = []
    if os.path.exists(raw):
        with open(raw) as f:
            for line in f:
                try:
                    res.append(json.loads(line))
                except ValueError:
                    pass
    return res


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join(' --- ' for _ in head) + '|']
    out += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out)


def pct(x):
    return '-' if x is None else f'{100 * x:.1f} %'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--meta', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--primary', required=True)
    ap.add_argument('--min-of-limit', type=float, default=0.98)
    ap.add_argument('--title', default='EROFS page cache sharing')
    ap.add_argument('--demo', action='store_true',
                    help='print the memory table in the style of the original results')
    args = ap.parse_args()
    meta = parse_meta(args.meta)
    manifests = {t: read_manifest(v['manifest'], v['path'])
                 for t, v in meta['trees'].items()}

    def tree_of(image_id):
        return image_id.split('-', 1)[0]

    def set_trees(name, n):
        ids = meta['sets'][name]
        return [tree_of(ids[i % len(ids)]) for i in range(n)]

    def set_label(name):
        ids = meta['sets'][name]
        labels = [meta['trees'][tree_of(i)]['label'] for i in ids]
        parts = [label.rsplit(' ', 1) for label in labels]
        if all(len(p) == 2 for p in parts) and len({p[0] for p in parts}) == 1:
            return parts[0][0] + ' ' + ' / '.join(p[1] for p in parts)
        return ' / '.join(labels)

    doc = {'trees': meta['trees'], 'sets': {}, 'kernels': {}, 'skipped': meta['skipped'],
           'timing_seconds': meta['timing'], 'min_of_limit': args.min_of_limit,
           'guest_clock': meta['clock'],
           'primary': args.primary, 'disk': meta['disk']}
    for name, ids in meta['sets'].items():
        doc['sets'][name] = {'images': ids, 'label': set_label(name)}

    failures = []
    mem_rows, fio_rows, scale_rows, hot_rows = [], [], [], []
    start_rows, container_rows = [], []
    chart = []          # (label, kernel, unshared MB, shared MB, floor MB)
    for k, kinfo in meta['kernels'].items():
        res = load_results(kinfo['raw'])
        kdoc = {'status': kinfo['status'], 'seconds': kinfo['seconds'],
                'release': next((r['release'] for r in res if r['phase'] == 'kernel'), None),
                'memory': [], 'fio': [], 'scale': [], 'hotread': [],
                'phase_seconds': {r['name']: r['seconds'] for r in res if r['phase'] == 'time'}}
        doc['kernels'][k] = kdoc
        # memory
        mem = {(r['set'], r['n'], r['mode']): r for r in res if r['phase'] == 'memory'}
        for (name, n) in sorted({(s, n) for s, n, _ in mem}, key=lambda x: (x[1], x[0])):
            total, distinct, lim = limit([manifests[t] for t in set_trees(name, n)])
            u, s = mem.get((name, n, 'unshared')), mem.get((name, n, 'shared'))
            entry = {'set': name, 'n': n, 'limit': lim, 'pages_total': total,
                     'pages_distinct': distinct,
                     'unshared_bytes': u and u['file_bytes'],
                     'shared_bytes': s and s['file_bytes'],
                     'unshared_read_s': u and u['read_ns'] / 1e9,
                     'shared_read_s': s and s['read_ns'] / 1e9}
            red = frac = None
            if u and s and u['file_bytes']:
                red = 1 - s['file_bytes'] / u['file_bytes']
                frac = red / lim if lim > 0.001 else None
                entry['accounted'] = u['file_bytes'] / (total * PAGE)
            entry['reduction'], entry['of_limit'] = red, frac
            kdoc['memory'].append(entry)
            if k == args.primary:
                if red is None:
                    failures.append(f'{name} N={n}: no memory result')
                elif frac is not None and frac < args.min_of_limit:
                    failures.append(f'{name} N={n}: reduction {pct(red)} is '
                                    f'{pct(frac)} of the limit {pct(lim)}')
                elif entry['accounted'] < 0.95:
                    failures.append(f'{name} N={n}: the cgroup saw only '
                                    f'{pct(entry["accounted"])} of the data read unshared')
            for mode, r in (('off', u), ('on', s)):
                if r:
                    mem_rows.append([k, set_label(name), name, n, mode,
                                     f'{r["file_bytes"] / MB:.1f}',
                                     pct(red) if mode == 'on' else '',
                                     pct(lim), pct(frac) if mode == 'on' else ''])
            if u and s:
                chart.append((f'{name}\nN={n}', k, u['file_bytes'] / MB,
                              s['file_bytes'] / MB, u['file_bytes'] / MB * (1 - lim)))
        # throughput
        fio = {}
        for r in res:
            if r['phase'] == 'fio' and r['ms']:
                fio.setdefault((r['set'], r['rw'], r['cache'], r['mode']), []).append(
                    r['kib'] / 1024 / (r['ms'] / 1000))
        for (name, rw, cache) in sorted({key[:3] for key in fio}):
            bw, runs = {}, {}
            for mode in ('unshared', 'shared'):
                runs[mode] = fio.get((name, rw, cache, mode), [])
                bw[mode] = statistics.median(runs[mode]) if runs[mode] else None
            ratio = bw['shared'] / bw['unshared'] if bw['shared'] and bw['unshared'] else None
            kdoc['fio'].append({'set': name, 'rw': rw, 'cache': cache,
                                'unshared_mbps': bw['unshared'], 'shared_mbps': bw['shared'],
                                'ratio': ratio, 'runs_mbps': runs})
            fmt = lambda x: '-' if x is None else f'{x:.0f}'
            fio_rows.append([k, name, rw, cache, fmt(bw['unshared']), fmt(bw['shared']),
                             '-' if ratio is None else f'{ratio:.2f}',
                             ' / '.join(fmt(x) for x in runs['unshared']) + '; ' +
                             ' / '.join(fmt(x) for x in runs['shared'])])
        # containers: start time and memory of running ones
        kdoc['start'] = containers_report.start_entries(res)
        kdoc['containers'] = containers_report.container_entries(res)
        start_rows += containers_report.start_rows(k, set_label, kdoc['start'])
        container_rows += containers_report.container_rows(k, set_label, kdoc['containers'])
        # scale
        for r in sorted((r for r in res if r['phase'] == 'scale'),
                        key=lambda r: (r['mode'], r['n'])):
            e = {'n': r['n'], 'mode': r['mode'], 'memory_bytes': r['file_bytes'],
                 'mount_ms_per_mount': r['mount_ns'] / r['n'] / 1e6,
                 'open_cold_us': r['open_cold_ns'] / max(r['files'], 1) / 1e3,
                 'open_warm_us': r['open_warm_ns'] / max(r['files'], 1) / 1e3,
                 'files': r['files']}
            kdoc['scale'].append(e)
            scale_rows.append([k, r['n'], 'on' if r['mode'] == 'shared' else 'off',
                               f'{e["memory_bytes"] / MB:.1f}',
                               f'{e["mount_ms_per_mount"]:.2f}',
                               f'{e["open_cold_us"]:.1f}', f'{e["open_warm_us"]:.1f}'])
        # hot reads: CPU per cached 4 KiB read, shared / unshared per rep
        hot = {}
        for r in res:
            if r['phase'] == 'hotread' and r['unshared_cpu_ns']:
                hot.setdefault(r.get('variant', 'both'), []).append(r)
        for variant in sorted(hot, key=lambda v: (v != 'second', v != 'fio', v)):
            e = hotread_summary(hot[variant])
            e['variant'] = variant
            kdoc['hotread'].append(e)
            us = lambda ns: f'{ns / 1e3:.2f}'
            hot_rows.append([k, kdoc['release'] or '?', e['image'], variant, e['reps'],
                             e['reads'], us(e['unshared_cpu_ns_per_read']),
                             us(e['shared_cpu_ns_per_read']),
                             f'{e["cpu_ratio_median"]:.4f}',
                             f'{e["cpu_ratio_min"]:.4f} - {e["cpu_ratio_max"]:.4f}',
                             # icount warps guest time by host time while the
                             # guest idles, as fio does around its run
                             '-' if variant == 'fio' and meta['clock'] != 'host' else
                             f'{e["wall_ratio_median"]:.4f}',
                             '-' if e['sys_share'] is None else
                             f'{100 * e["sys_share"]:.0f} %'])
        # scale: with sharing, memory stays that of one mount
        base = next((e['memory_bytes'] for e in kdoc['scale']
                     if e['mode'] == 'shared' and e['n'] == 1), None)
        for e in kdoc['scale']:
            if k == args.primary and base and e['mode'] == 'shared' and \
                    e['memory_bytes'] > base * 1.02 + 65536:
                failures.append(f'scale N={e["n"]}: {e["memory_bytes"] / MB:.1f} MB shared, '
                                f'{base / MB:.1f} MB with one mount')
    doc['check'] = {'kernel': args.primary, 'passed': not failures, 'failures': failures}

    md = [f'# {args.title}', '']
    md.append(f'- disk: {disk_line(meta["disk"])}')
    for tid, t in meta['trees'].items():
        md.append(f'- tree `{tid}`: {t["label"]} (`{t["path"]}`)')
    for k, kd in doc['kernels'].items():
        phases = ', '.join(f'{p} {t} s' for p, t in kd['phase_seconds'].items())
        md.append(f'- kernel `{k}`: {kd["release"] or "?"}, guest run {kd["seconds"]} s '
                  f'({phases}), status {kd["status"]}')
    for k, why in meta['skipped'].items():
        md.append(f'- kernel `{k}`: skipped ({why})')
    md.append('- guest clock: ' + ('host time (QEMU TCG)' if meta['clock'] == 'host' else
                                   f'QEMU {meta["clock"]}: guest time counts instructions'))
    md.append('')
    if mem_rows:
        md += ['## Memory: page cache of the readers after reading every file', '',
               table(['kernel', 'pair', 'layouts', 'N', 'sharing', 'memory MB', 'reduction',
                      'limit', 'of limit'], mem_rows), '']
    if fio_rows:
        md += ['## Throughput: fio, MB/s, median of the runs (two mounts read one after '
               'the other; cold: first pass after drop_caches, hot: 2 more passes)', '',
               table(['kernel', 'pair', 'rw', 'cache', 'unshared', 'shared',
                      'shared/unshared', 'runs: unshared; shared'], fio_rows), '']
    if start_rows:
        md += ['## Start time: a container on each image (median of the runs)', '',
               'cold: the first container, just after drop_caches; second: a container '
               'on the other image, the first one\'s pages still cached; warm: that '
               'container again.  disk MB: read from the disks meanwhile.', '',
               table(containers_report.START_HEAD, start_rows), '']
    if container_rows:
        md += ['## Memory: N running containers, each on its own mount', '',
               table(containers_report.CONTAINER_HEAD, container_rows), '']
    if scale_rows:
        md += ['## Scale: N mounts of one image (all files shared)', '',
               table(['kernel', 'N', 'sharing', 'memory MB', 'mount ms/mount',
                      'open cold us', 'open warm us'], scale_rows), '']
    if hot_rows:
        md += ['## Hot reads: CPU time (user+sys) per cached 4 KiB pread at random offsets, '
               'shared / unshared measured side by side (never checked; second: reads in '
               'the second mount, same footprint; both: reads in both mounts; fio: fio randread '
               'in the second mount, files of 64 KiB or more)', '',
               table(['kernel', 'release', 'image', 'reads in', 'reps', 'reads/rep/mode',
                      'unshared us/read', 'shared us/read', 'CPU ratio median',
                      'CPU ratio min - max', 'wall ratio median', 'sys share'], hot_rows), '']
    md += ['## Check', '',
           f'Kernel `{args.primary}`: reduction >= {100 * args.min_of_limit:.0f} % of the '
           'limit, scale memory flat with sharing: '
           + ('passed' if not failures else 'FAILED: ' + '; '.join(failures)), '']
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        f.write('\n'.join(md))
    if chart:
        labels = sorted({d['label'] for d in doc['sets'].values()})
        plot(chart, os.path.join(args.out, 'memory.png'),
             args.title + '\n' + '; '.join(labels))

    starts = [e for kd in doc['kernels'].values() for e in kd.get('start', [])]
    if starts:
        containers_report.start_plot(starts, lambda n: f'{set_label(n)}\n{n}',
                                     os.path.join(args.out, 'start.png'),
                                     args.title + '\n' + disk_line(meta['disk']))
    if args.demo:
        demo_table(doc)
    else:
        print('\n'.join(md))
    print(f'results: {args.out}/results.json, results.md'
          + (', memory.png' if chart else ''))
    for msg in failures:
        print(f'bench: FAILED: {msg}', file=sys.stderr)
    return 1 if failures else 0


def hotread_summary(runs):
    """median and spread of the per-repetition ratios shared/unshared"""
    ratio = [r['shared_cpu_ns'] / r['unshared_cpu_ns'] for r in runs]
    wall = [r['shared_wall_ns'] / r['unshared_wall_ns'] if r['unshared_wall_ns'] else 0
            for r in runs]
    per_read = lambda key: statistics.median(r[key] / r['reads'] for r in runs)
    return {'image': runs[0]['image'], 'reps': len(runs), 'reads': runs[0]['reads'],
            'block': runs[0]['block'], 'pinned': runs[0]['pinned'],
            'pages': runs[0]['pages'],
            'unshared_cpu_ns_per_read': per_read('unshared_cpu_ns'),
            'shared_cpu_ns_per_read': per_read('shared_cpu_ns'),
            'unshared_wall_ns_per_read': per_read('unshared_wall_ns'),
            'shared_wall_ns_per_read': per_read('shared_wall_ns'),
            'cpu_ratio_median': statistics.median(ratio),
            'cpu_ratio_min': min(ratio), 'cpu_ratio_max': max(ratio),
            'wall_ratio_median': statistics.median(wall),
            'wall_ratio_min': min(wall), 'wall_ratio_max': max(wall),
            # None where only the sum was measured (the fio variant)
            'sys_share': None if any(r['sys_ns'] is None for r in runs) else
            sum(r['sys_ns'] for r in runs) /
            max(1, sum(r['sys_ns'] + r['usr_ns'] for r in runs)),
            'cpu_ratios': ratio, 'runs': runs}


def demo_print(head, rows):
    w = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    print('  '.join(f'{h:<{w[i]}}' for i, h in enumerate(head)))
    for r in rows:
        print('  '.join(f'{str(c):<{w[i]}}' for i, c in enumerate(r)))


def disk_line(disk):
    if disk['profile'] == 'loop':
        return 'loop devices over copies in the guest\'s tmpfs (BENCH_DISK=loop)'
    t = dict(kv.split('=', 1) for kv in disk['throttle'].split(','))
    return (f'{disk["profile"]}: virtio-blk, read-only, throttled together to '
            f'{t.get("throttling.iops-total", "?")} IOPS, '
            f'{int(t.get("throttling.bps-total", 0)) / 1048576:.0f} MiB/s')


def demo_table(doc):
    k = doc['primary']
    kd = doc['kernels'].get(k)
    if not kd:
        return
    print(f'\nkernel: {k} {kd["release"]}')
    print(f'disk: {disk_line(doc["disk"])}')
    label = lambda name: doc['sets'][name]['label']
    if kd.get('start'):
        print('\nstart time (median s; second: other image, first one cached)')
        demo_print(containers_report.START_HEAD[1:],
                   [r[1:] for r in containers_report.start_rows(k, label, kd['start'])])
    if kd.get('containers'):
        print('\nmemory of N running containers (memory cgroup)')
        demo_print(containers_report.CONTAINER_HEAD[1:],
                   [r[1:] for r in containers_report.container_rows(k, label,
                                                                    kd['containers'])])
    if not kd['memory']:
        return
    print('\nevery file read (page cache of the readers)')
    w = max(len(d['label']) for d in doc['sets'].values()) + 2
    head = (f'{"pair":<{w}} {"images":<14} {"N":>3} {"sharing":>7} {"memory MB":>10} '
            f'{"reduction":>10} {"limit":>8} {"of limit":>9}')
    print(head)
    print('-' * len(head))
    for e in kd['memory']:
        label = doc['sets'][e['set']]['label']
        if e['unshared_bytes'] is not None:
            print(f'{label:<{w}} {e["set"]:<14} {e["n"]:>3} {"off":>7} '
                  f'{e["unshared_bytes"] / MB:>10.1f}')
        if e['shared_bytes'] is not None:
            print(f'{label:<{w}} {e["set"]:<14} {e["n"]:>3} {"on":>7} '
                  f'{e["shared_bytes"] / MB:>10.1f} {pct(e["reduction"]):>10} '
                  f'{pct(e["limit"]):>8} {pct(e["of_limit"]):>9}')


def plot(chart, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    kernels = list(dict.fromkeys(c[1] for c in chart))
    groups = list(dict.fromkeys(c[0] for c in chart))
    width = 0.8 / (2 * len(kernels))
    fig, ax = plt.subplots(figsize=(max(6, 2.2 * len(groups) * len(kernels)), 4.5))
    for ki, k in enumerate(kernels):
        for gi, g in enumerate(groups):
            c = next((c for c in chart if c[0] == g and c[1] == k), None)
            if not c:
                continue
            x = gi + (2 * ki) * width - 0.4 + width / 2
            ax.bar(x, c[2], width, color='#b0b0b0', edgecolor='black',
                   label='sharing off' if gi == 0 and ki == 0 else None)
            ax.bar(x + width, c[3], width, color=['#3a7ebf', '#e08a2e', '#5aa05a'][ki % 3],
                   edgecolor='black', label=f'sharing on ({k})' if gi == 0 else None)
            ax.hlines(c[4], x + width / 2, x + 1.5 * width, colors='red', linestyles='--',
                      label='theoretical limit' if gi == 0 and ki == 0 else None)
            red = 1 - c[3] / c[2]
            ax.text(x + width, c[3], f'-{100 * red:.1f} %', ha='center', va='bottom',
                    fontsize=8)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylabel('page cache, MB')
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == '__main__':
    sys.exit(main())
