# SPDX-License-Identifier: GPL-2.0
"""Start time and running-container memory of bench/containers.sh, for
bench/report.py: medians, ratios, tables and out/.../start.png."""
import statistics
import textwrap

MB = 1 << 20


def start_entries(res):
    """Per set and mode: median seconds and disk MB of the cold start
    (first container), the second start (other image, first one's pages
    cached) and the warm start; ratio second/warm: the median of each
    run's own ratio, which a slow spell of the host shared by the two
    starts of one run does not move."""
    runs = {}
    for r in res:
        if r['phase'] == 'start':
            runs.setdefault((r['set'], r['mode']), {}).setdefault(r['which'], []).append(r)
    out = []
    for (name, mode), w in sorted(runs.items()):
        e = {'set': name, 'mode': mode}
        for which in ('cold', 'second', 'warm'):
            rs = w.get(which, [])
            e[which + '_s'] = statistics.median(r['ns'] / 1e9 for r in rs) if rs else None
            e[which + '_disk_mb'] = (statistics.median(r['disk_bytes'] / MB for r in rs)
                                     if rs else None)
            e[which + '_runs_s'] = [round(r['ns'] / 1e9, 3) for r in rs]
        warm = {r['rep']: r['ns'] for r in w.get('warm', [])}
        ratios = [r['ns'] / warm[r['rep']] for r in w.get('second', []) if warm.get(r['rep'])]
        e['second_over_warm_runs'] = [round(x, 3) for x in ratios]
        e['second_over_warm'] = statistics.median(ratios) if ratios else None
        out.append(e)
    return out


def container_entries(res):
    """Per set, N and mode: the memory cgroup's file, anon and file_mapped
    of N running containers; reduction of file pages with sharing."""
    got = {(r['set'], r['n'], r['mode']): r for r in res if r['phase'] == 'containers'}
    out = []
    for (name, n) in sorted({k[:2] for k in got}, key=lambda x: (x[1], x[0])):
        u, s = got.get((name, n, 'unshared')), got.get((name, n, 'shared'))
        e = {'set': name, 'n': n}
        for mode, r in (('unshared', u), ('shared', s)):
            for key in ('file', 'anon', 'file_mapped'):
                e[f'{mode}_{key}'] = r and r[key]
            e[f'{mode}_ready_s'] = r and r['ready_ns'] / 1e9
        e['file_reduction'] = (1 - s['file'] / u['file']) if u and s and u['file'] else None
        out.append(e)
    return out


def fmt(x, spec='.2f'):
    return '-' if x is None else format(x, spec)


def start_rows(kernel, label, entries):
    return [[kernel, label(e['set']), e['set'], 'on' if e['mode'] == 'shared' else 'off',
             fmt(e['cold_s']), fmt(e['second_s']), fmt(e['warm_s']),
             fmt(e['second_over_warm']), fmt(e['cold_disk_mb'], '.1f'),
             fmt(e['second_disk_mb'], '.1f')] for e in entries]


START_HEAD = ['kernel', 'pair', 'images', 'sharing', 'cold s', 'second s', 'warm s',
              'second/warm', 'cold disk MB', 'second disk MB']


def container_rows(kernel, label, entries):
    rows = []
    for e in entries:
        for mode in ('unshared', 'shared'):
            if e[f'{mode}_file'] is None:
                continue
            rows.append([kernel, label(e['set']), e['set'], e['n'],
                         'on' if mode == 'shared' else 'off',
                         fmt(e[f'{mode}_file'] / MB, '.1f'), fmt(e[f'{mode}_anon'] / MB, '.1f'),
                         fmt(e[f'{mode}_file_mapped'] / MB, '.1f'),
                         fmt(100 * e['file_reduction'], '.1f') + ' %'
                         if mode == 'shared' and e['file_reduction'] is not None else ''])
    return rows


CONTAINER_HEAD = ['kernel', 'pair', 'images', 'N', 'sharing', 'file MB', 'anon MB',
                  'file_mapped MB', 'file reduction']


def start_plot(entries, label, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys(e['set'] for e in entries))
    fig, ax = plt.subplots(figsize=(3 + 3.6 * len(groups), 4.8))
    width = 0.8 / 6
    colors = {'cold': '#b0b0b0', 'second': '#e08a2e', 'warm': '#3a7ebf'}
    for gi, g in enumerate(groups):
        for mi, mode in enumerate(('unshared', 'shared')):
            e = next((e for e in entries if e['set'] == g and e['mode'] == mode), None)
            if not e:
                continue
            for wi, which in enumerate(('cold', 'second', 'warm')):
                x = gi - 0.4 + (3 * mi + wi + 0.5) * width
                v = e[which + '_s'] or 0
                ax.bar(x, v, width, color=colors[which], edgecolor='black',
                       hatch='//' if mode == 'shared' else None,
                       label=f'{which}, sharing {"on" if mode == "shared" else "off"}'
                       if gi == 0 else None)
            if e['second_over_warm']:
                ax.text(gi - 0.4 + (3 * mi + 1.5) * width, e['second_s'] or 0,
                        f'{e["second_over_warm"]:.2f}x', ha='center', va='bottom', fontsize=8)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(['\n'.join(textwrap.fill(part, 32) for part in label(g).split('\n'))
                        for g in groups], fontsize=8)
    ax.set_ylabel('start time, s (median)')
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
