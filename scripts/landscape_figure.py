"""Draw the 1936 Europe landscape (Axelrod & Bennett 1993 replication) to a PNG.

Left: schematic map (capital positions) coloured by the bloc each nation takes in the
global minimum; nations placed differently from the observed alignment are ringed.
Right: energy of every split against its distance from the global minimum, with the
local minima sized by basin.

Usage: python scripts/landscape_figure.py [--world conf/landscape/europe_1936.yaml]
       [--out docs/figures/landscape_1936.png] [--sensitivity]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
try:
    from balancing_sim import landscape as ls
except ModuleNotFoundError:  # not installed: use the source tree
    sys.path.insert(0, str(ROOT / "src"))
    from balancing_sim import landscape as ls

# Okabe-Ito colour-blind-safe palette
BLUE, ORANGE, VERMILION, GREY = "#0072B2", "#E69F00", "#D55E00", "#9A9A9A"

# capital (interwar: Kaunas for Lithuania) longitude, latitude -- for the schematic map only
CAPITALS = {
    "Britain": (-0.13, 51.51),
    "Czechoslovakia": (14.42, 50.08),
    "Denmark": (12.57, 55.68),
    "Estonia": (24.75, 59.44),
    "Finland": (24.94, 60.17),
    "France": (2.35, 48.86),
    "Germany": (13.40, 52.52),
    "Greece": (23.73, 37.98),
    "Hungary": (19.04, 47.50),
    "Italy": (12.50, 41.90),
    "Latvia": (24.11, 56.95),
    "Lithuania": (23.90, 54.90),
    "Poland": (21.01, 52.23),
    "Portugal": (-9.14, 38.72),
    "Romania": (26.10, 44.43),
    "Soviet Union": (37.62, 55.75),
    "Yugoslavia": (20.46, 44.79),
}
# label side per nation (r, l, u, d, ur, dr, ul, dl); the offset grows with the marker
LABEL_SIDE = {
    "Britain": "l",
    "Portugal": "r",
    "France": "l",
    "Denmark": "l",
    "Germany": "l",
    "Czechoslovakia": "dl",
    "Poland": "r",
    "Lithuania": "r",
    "Latvia": "r",
    "Estonia": "dr",
    "Finland": "ur",
    "Soviet Union": "d",
    "Hungary": "r",
    "Yugoslavia": "d",
    "Italy": "l",
    "Romania": "r",
    "Greece": "r",
}
_DIRS = {
    "r": (1, 0),
    "l": (-1, 0),
    "u": (0, 1),
    "d": (0, -1),
    "ur": (0.8, 0.6),
    "dr": (0.8, -0.6),
    "ul": (-0.8, 0.6),
    "dl": (-0.8, -0.6),
}


# explicit label placements (offset in points, ha, va) where the side rule collides
LABEL_FIXED = {"Czechoslovakia": ((8.0, -11.0), "right", "top")}


def _label_offset(name: str, area: float, ring: bool) -> tuple[tuple[float, float], str, str]:
    if name in LABEL_FIXED:
        return LABEL_FIXED[name]
    r = np.sqrt(area / np.pi) + (5.0 if ring else 3.0)
    ux, uy = _DIRS[LABEL_SIDE.get(name, "r")]
    ha = "left" if ux > 0.1 else "right" if ux < -0.1 else "center"
    va = "bottom" if uy > 0.1 else "top" if uy < -0.1 else "center"
    return (ux * r, uy * r), ha, va


def draw(world_path: Path, out: Path) -> ls.LandscapeResult:
    world = ls.load_world(world_path)
    res = ls.analyze(world)
    la, lb = world.observed_labels
    pred = res._aligned(0)  # bloc labels chosen to best match the observed alignment
    wrong = set(res.misplaced(0))

    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10.5, "axes.labelsize": 9.5})
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(13.5, 6.0), gridspec_kw={"width_ratios": [1.15, 1.0]}, dpi=100
    )

    # ---- (a) schematic map
    cinc = world.sizes
    area = 25 + 900 * np.sqrt(cinc / cinc.max())
    for i, name in enumerate(world.names):
        x, y = CAPITALS[name]
        col = BLUE if pred[i] == 0 else ORANGE
        ax.scatter(x, y, s=area[i], color=col, alpha=0.9, edgecolor="white", lw=0.8, zorder=3)
        ring = name in wrong
        if ring:
            ax.scatter(
                x,
                y,
                s=area[i] * 1.9 + 60,
                facecolor="none",
                edgecolor="black",
                lw=1.3,
                ls=(0, (2.5, 1.5)),
                zorder=4,
            )
        (dx, dy), ha, va = _label_offset(name, area[i] * (1.9 if ring else 1.0), ring)
        ax.annotate(
            name + (" *" if ring else ""),
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=8.5,
            fontweight="bold" if ring else "normal",
            zorder=5,
        )
    ax.set_xlim(-14, 44)
    ax.set_ylim(35, 63.5)
    ax.set_aspect(1.0 / np.cos(np.deg2rad(49)))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title(
        f"(a) Predicted alignment, 1936 (global minimum): {res.correct[0]}/{world.n} as observed"
    )
    handles = [
        Line2D([], [], marker="o", ls="", color=BLUE, ms=9, label=f"predicted {la}"),
        Line2D([], [], marker="o", ls="", color=ORANGE, ms=9, label=f"predicted {lb}"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="none",
            mec="black",
            ms=11,
            mew=1.4,
            label="* placed unlike observed",
        ),
    ]
    leg = ax.legend(handles=handles, loc="upper left", frameon=True, fontsize=8.5)
    leg.get_frame().set_edgecolor("#cccccc")
    ax.text(
        0.99,
        0.015,
        "marker area ~ sqrt(CINC 1936)",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=7.5,
        color="#555555",
    )

    # ---- (b) energy landscape
    n = world.n
    e = ls.energy_all(world.sizes, world.propensity)
    b = ls.all_splits(n)
    ham = (b != res.blocs[0]).sum(axis=1)
    dist = np.minimum(ham, n - ham)
    rng = np.random.default_rng(0)
    ax2.scatter(
        dist + rng.uniform(-0.32, 0.32, dist.size),
        e,
        s=1.2,
        color=GREY,
        alpha=0.25,
        lw=0,
        rasterized=True,
        label=f"all {e.size:,} splits",
    )
    colors = [BLUE, VERMILION, ORANGE, "#009E73", "#CC79A7"]
    for k in range(len(res.energies)):
        dk = int(
            min((res.blocs[k] != res.blocs[0]).sum(), n - (res.blocs[k] != res.blocs[0]).sum())
        )
        frac = res.basin_fractions[k]
        ax2.scatter(
            dk,
            res.energies[k],
            s=60 + 900 * frac,
            color=colors[k % 5],
            edgecolor="black",
            lw=0.8,
            zorder=4,
        )
        a_side, b_side = res.sides(k)
        if k == 0:
            txt = (
                f"global minimum\n{la} vs {lb} split\nbasin {100 * frac:.1f}% of starts, "
                f"{res.correct[k]}/{n} correct"
            )
            xy = (dk + 0.7, res.energies[k] + 0.004)
            ha = "left"
        else:
            small = a_side if len(a_side) <= len(b_side) else b_side
            txt = f"local minimum {k + 1}\n{', '.join(small)}\nvs the rest; basin {100 * frac:.1f}%"
            xy = (dk - 0.6, res.energies[k] - 0.022)
            ha = "right"
        ax2.annotate(
            txt,
            (dk, res.energies[k]),
            xytext=xy,
            fontsize=8.3,
            va="center",
            ha=ha,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#bbbbbb", "alpha": 0.92},
            arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.7},
            zorder=5,
        )
    ax2.set_xlabel("distance from the global minimum (actors in the other bloc, up to relabelling)")
    ax2.set_ylabel("energy E (sum of s_i s_j p_ij over split ordered pairs)")
    ax2.set_title("(b) Energy landscape: local minima sized by basin of attraction")
    ax2.set_xticks(range(0, n // 2 + 1))
    ax2.set_xlim(-0.6, n // 2 + 0.6)
    ax2.grid(axis="y", color="#e6e6e6", lw=0.6)
    ax2.set_axisbelow(True)
    ax2.set_ylim(e.min() - 0.018, e.max() + 0.012)
    ax2.legend(loc="upper right", markerscale=6, fontsize=8, frameon=True, framealpha=0.9)

    fig.suptitle(
        "Landscape theory of aggregation (Axelrod & Bennett 1993), Europe 1936 — "
        "rebuilt codings, COW NMC v6.0 sizes",
        fontsize=11.5,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=200)
    plt.close(fig)
    return res


def sensitivity(world_path: Path) -> None:
    """Print how the result moves when one coded factor is dropped or rescored."""
    w = ls.load_world(world_path)
    c = w.components
    hist_neg = np.minimum(c["history"], 0)
    rel_neg = np.where(c["religion"] == 0, -1.0, c["religion"])
    np.fill_diagonal(rel_neg, 0)
    variants = {
        "shipped codings": sum(c.values()),
        "history: wars against only (no +1)": c["religion"]
        + c["government"]
        + c["ethnicity"]
        + hist_neg,
        "religion: different = -1": rel_neg + c["government"] + c["ethnicity"] + c["history"],
        "without religion": c["government"] + c["ethnicity"] + c["history"],
        "without government": c["religion"] + c["ethnicity"] + c["history"],
        "without ethnicity": c["religion"] + c["government"] + c["history"],
        "without history": c["religion"] + c["government"] + c["ethnicity"],
    }
    print("| variant | minima | main minimum (largest basin): correct, misplaced | basin |")
    print("|---|---|---|---|")
    for label, p in variants.items():
        r = ls.analyze(dataclasses.replace(w, propensity=p))
        k = int(np.argmax(r.basin_sizes))
        print(
            f"| {label} | {len(r.energies)} | {r.correct[k]}/17: "
            f"{', '.join(r.misplaced(k))} | {100 * r.basin_fractions[k]:.1f}% |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", type=Path, default=ROOT / "conf/landscape/europe_1936.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "docs/figures/landscape_1936.png")
    ap.add_argument("--sensitivity", action="store_true", help="print the sensitivity table")
    args = ap.parse_args(argv)
    res = draw(args.world, args.out)
    print(f"wrote {args.out} ({len(res.energies)} minima, basins {res.basin_sizes.tolist()})")
    if args.sensitivity:
        sensitivity(args.world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
