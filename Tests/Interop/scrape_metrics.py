"""Scrapes a catalogd /metrics endpoint and parses it with prometheus_client's own parser,
as a Prometheus server would: an exposition that does not parse fails here. Prints the
samples as JSON, one object per sample: {"family", "type", "name", "labels", "value"}.

With --openmetrics it asks as Prometheus does (Accept: OpenMetrics first), expects
OpenMetrics 1.0.0 back and parses it with the strict OpenMetrics parser.

Usage: scrape_metrics.py [--openmetrics] URL
"""

import json
import sys
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

# What Prometheus sends by default.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)


def main() -> None:
    openmetrics = "--openmetrics" in sys.argv[1:]
    url = [argument for argument in sys.argv[1:] if not argument.startswith("--")][0]
    request = urllib.request.Request(url, headers={"Accept": PROMETHEUS_ACCEPT} if openmetrics else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    expected = "application/openmetrics-text; version=1.0.0" if openmetrics else "text/plain"
    if not content_type.startswith(expected):
        sys.exit(f"unexpected Content-Type {content_type!r}")
    samples = []
    names = set()
    for family in (parse_openmetrics if openmetrics else parse_text)(text):
        # Each family appears once: its samples are contiguous, as the format requires.
        if family.name in names:
            sys.exit(f"family {family.name} appears twice")
        names.add(family.name)
        for sample in family.samples:
            samples.append(
                {"family": family.name, "type": family.type, "name": sample.name, "labels": sample.labels,
                 "value": sample.value}
            )
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
