"""Copy GOV.UK Frontend's built CSS and JS into static/, without the GOV.UK font and crest."""

import re
import sys
from pathlib import Path


def main(source: Path, target: Path) -> None:
    css = (source / "govuk-frontend.min.css").read_text()
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace('"GDS Transport",arial,sans-serif', "arial,sans-serif")
    css = css.replace("GDS Transport,arial,sans-serif", "arial,sans-serif")
    # The crest is the Crown's, for GOV.UK only: we neither ship nor reference it.
    css = css.replace("url(/assets/images/govuk-crest.svg)", "none")
    css = css.replace("/assets/", "assets/")
    # Source maps are not vendored, so their references go too (collectstatic would fail).
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    js = (source / "govuk-frontend.min.js").read_text()
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    target.mkdir(parents=True, exist_ok=True)
    (target / "govuk-frontend.min.css").write_text(css)
    (target / "govuk-frontend.min.js").write_text(js)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
