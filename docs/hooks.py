"""mkdocs hooks (mkdocs.yml `hooks:`): the docs' pictures and sample outputs come from the code.

The pictures (img/*.svg) are added to the site as generated files; a page line
`<!-- sample: NAME -->` becomes a text block holding that sample (docs/samples.py makes both).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import samples as _samples  # noqa: E402

_made = {}


def _all():
    if not _made:
        _made.update(_samples.make())
    return _made


def on_files(files, config):
    from mkdocs.structure.files import File
    for name, text in _all().items():
        if name.startswith("img/"):
            files.append(File.generated(config, name, content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    def sample(match):
        return "```text\n" + _all()[match.group(1)].rstrip("\n") + "\n```"
    return re.sub(r"<!-- sample: (\w+) -->", sample, markdown)
