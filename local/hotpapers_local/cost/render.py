"""The estimate as the table `hotpapers cost` prints."""

from __future__ import annotations

from hotpapers_local.cost.estimate import Estimate
from hotpapers_local.cost.figures import DAYS_PER_MONTH


# --- Rendering -----------------------------------------------------------------------------------------
def _usd(value: float) -> str:
    return f"{value:,.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}"


def render(result: Estimate) -> str:
    header = ("service", "item", "usage a month", "price", "USD/month", "always-free", "first year")
    rows: list[tuple[str, ...]]
    rows = [(line.service, line.item, line.usage, line.price, _usd(line.monthly), _usd(line.always_free),
             _usd(line.first_year)) for line in result.lines]  # fmt: skip
    aws = [result.total(col) for col in ("monthly", "always_free", "first_year")]
    x = result.x
    rows.append(("AWS total", "", "", "", *(_usd(value) for value in aws)))
    rows.append((x.service, x.item, x.usage, x.price, _usd(x.monthly), _usd(x.always_free), _usd(x.first_year)))
    rows.append(("AWS + X total", "", "", "", _usd(aws[0] + x.monthly), _usd(aws[1] + x.monthly),
                 _usd(aws[2] + x.monthly)))  # fmt: skip
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    out = [f"Monthly cost ({DAYS_PER_MONTH} days), us-east-1, at the current settings ({result.profile.name} day)", ""]
    rule = "  ".join("-" * w for w in widths)
    for index, row in enumerate((header, *rows)):
        if row[0] == "AWS total":
            out.append(rule)
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [str(cell).rjust(w) if i >= 4 else str(cell).ljust(w) for i, (cell, w) in pairs]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append(rule)
    out.append("")
    verdict = "under" if aws[1] < 1.0 else "OVER"
    out.append(f"AWS without X, with the always-free tier: {_usd(aws[1])} USD/month: {verdict} the 1 USD target.")
    fixed = sorted((line for line in result.lines if line.always_free >= 0.01), key=lambda line: -line.always_free)
    if fixed:
        named = "; ".join(f"{line.service} {line.item} {_usd(line.always_free)}" for line in fixed)
        out.append(f"  lines from 0.01 USD: {named}")
    out.append("")
    out.append("Assumptions:")
    out.extend(f"  - {text}" for text in result.assumptions)
    return "\n".join(out)
