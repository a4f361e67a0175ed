"""Analysis of the output contract: metrics, figures, sensitivity, a report.

Every figure function takes the contract's DataFrames and returns a matplotlib Figure:

    >>> from balancing_sim.analysis import plots
    >>> fig = plots.fan_chart(res.trajectories, res.config)
"""

from . import export, metrics, plots, report, sensitivity
from .plots import (
    bloc_chart,
    fan_chart,
    hedging_chart,
    hedging_comparison,
    network_map,
    outcome_distribution,
    platform_chart,
    scenario_comparison,
    spread_chart,
    sweep_lines,
    sweep_map,
)
from .report import figures, key_numbers, open_results, plot_results
from .report import report as write_report
from .sensitivity import sensitivity_figure

__all__ = [
    "bloc_chart", "export", "fan_chart", "figures", "hedging_chart", "hedging_comparison",
    "key_numbers", "metrics", "network_map", "open_results", "outcome_distribution",
    "platform_chart", "plot_results", "plots", "report", "scenario_comparison", "sensitivity",
    "sensitivity_figure", "spread_chart", "sweep_lines", "sweep_map", "write_report",
]
