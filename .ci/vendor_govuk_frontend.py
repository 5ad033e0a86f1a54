"""Copy GOV.UK Frontend's built CSS and JS into static/, without the GOV.UK font and crown."""

import re
import shutil
import sys
from pathlib import Path


def main(source: Path, target: Path) -> None:
    css = (source / "govuk-frontend.min.css").read_text()
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace('"GDS Transport",arial,sans-serif', "arial,sans-serif")
    css = css.replace("GDS Transport,arial,sans-serif", "arial,sans-serif")
    css = css.replace("/assets/", "assets/")
    target.mkdir(parents=True, exist_ok=True)
    (target / "govuk-frontend.min.css").write_text(css)
    shutil.copy(source / "govuk-frontend.min.js", target / "govuk-frontend.min.js")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
