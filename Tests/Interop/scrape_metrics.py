"""Scrapes a catalogd /metrics endpoint and parses it with prometheus_client's own parser,
as a Prometheus server would: an exposition that does not parse fails here. Prints the
samples as JSON, one object per sample: {"name", "labels", "value"}.

Usage: scrape_metrics.py URL
"""

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    with urllib.request.urlopen(sys.argv[1], timeout=60) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    if not content_type.startswith("text/plain"):
        sys.exit(f"unexpected Content-Type {content_type!r}")
    samples = []
    names = set()
    for family in text_string_to_metric_families(text):
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
