"""Refresh static/vendor/ from the npm registry at pinned versions.

Run: python scripts/vendor_assets.py   (needs `npm` on PATH; writes only static/vendor/).

We vendor a subset of each package (what the portal serves) plus its licence, so
the portal never loads anything from another host at run time. DKFDS's stylesheet
lists eot/woff/ttf fallbacks before woff2; we ship woff2 only and rewrite the
@font-face rules to match, so browsers make no failing font requests. The fonts are
subset to the Latin ranges (Danish, English and the Latin letters of names) with fontTools:
the complete IBM Plex Sans files are ~60 KB each, the unhinted subsets about 16 KB;
a character outside the subset falls back to the next font in DKFDS's font stack.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PINNED = {"dkfds": "11.2.0", "htmx.org": "2.0.11"}
# Basic Latin, Latin-1, Latin Extended-A, and the punctuation, currency and symbols that
# Danish and English text use (Google Fonts' "latin" range plus Extended-A).
LATIN = (
    "U+0000-017F,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,"
    "U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
)
ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


def npm_pack(name: str, version: str, into: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent"],
            cwd=into,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    target = into / name
    with tarfile.open(into / out) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def woff2_only(css: str) -> str:
    def rewrite(match: re.Match[str]) -> str:
        urls = re.findall(r"url\(([^)]*\.woff2)\)", match.group(0))
        return f'src:url({urls[0]}) format("woff2")' if urls else match.group(0)

    return re.sub(r"src:[^;}]*", rewrite, css)


def subset_latin(source: Path, target: Path) -> None:
    """Write the Latin subset of a woff2 font (fontTools; OFL allows subsetting)."""
    from fontTools import subset

    # Without TrueType hinting instructions (a third of each file; Chrome, Firefox and Safari
    # render web fonts unhinted or auto-hinted on the screens citizens use).
    args = [str(source), f"--unicodes={LATIN}", "--flavor=woff2", "--no-hinting"]
    subset.main([*args, f"--output-file={target}"])


def vendor_dkfds(pkg: Path) -> None:
    dest = VENDOR / "dkfds"
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "css").mkdir(parents=True)
    (dest / "js").mkdir()
    css = (pkg / "dist/css/dkfds-borgerdk.min.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    css = woff2_only(css).replace("IBMPlexSans/complete/", "IBMPlexSans/latin/")
    (dest / "css/dkfds-borgerdk.min.css").write_text(css, encoding="utf-8")
    js = (pkg / "dist/js/dkfds.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    (dest / "js/dkfds.min.js").write_text(js, encoding="utf-8")
    fonts = dest / "fonts/IBMPlexSans/latin/woff2"
    fonts.mkdir(parents=True)
    src_fonts = pkg / "dist/fonts/IBMPlexSans/complete/woff2"
    used = set(re.findall(r"woff2/([\w-]+\.woff2)", css))
    for name in sorted(used):
        subset_latin(src_fonts / name, fonts / name)
    shutil.copy(src_fonts / "license.txt", fonts / "license.txt")
    shutil.copytree(pkg / "dist/img", dest / "img")
    shutil.copy(pkg / "LICENSE.md", dest / "LICENSE.md")
    (dest / "VERSION").write_text(f"dkfds {PINNED['dkfds']}\n", encoding="utf-8")


def vendor_htmx(pkg: Path) -> None:
    dest = VENDOR / "htmx"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy(pkg / "dist/htmx.min.js", dest / "htmx.min.js")
    shutil.copy(pkg / "LICENSE", dest / "LICENSE")
    (dest / "VERSION").write_text(f"htmx.org {PINNED['htmx.org']}\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        vendor_dkfds(npm_pack("dkfds", PINNED["dkfds"], work))
        vendor_htmx(npm_pack("htmx.org", PINNED["htmx.org"], work))
    print(f"vendored {PINNED} into {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
