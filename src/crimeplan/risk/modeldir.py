"""A fitted model's folder: ``model.joblib`` plus ``model.json``, the card that documents it.

Layout (format ``crimeplan-risk-model``, version 2: calibration may be within groups)::

    MODEL_DIR/
      model.joblib   the fitted CalibratedRiskModel (joblib pickle: load only folders you trust)
      model.json     the card: see ``ModelCard``; ``model_sha256`` is the joblib file's hash

Loading checks the format and version, the joblib file's hash against the card, and that the
model's features are the card's features, so a swapped or edited file is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import sklearn

import crimeplan
from crimeplan.hashing import sha256_file
from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import CalibratedRiskModel

FORMAT = "crimeplan-risk-model"
FORMAT_VERSION = 2
MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"


@dataclass
class ModelCard:
    """What a model is, what it learned from and how well it did (cross-validated)."""

    model: str
    target: str
    features: list[str]
    categorical_features: list[str]
    encoded_features: list[str]
    id_column: str | None
    protected: list[str]
    protected_as_feature: bool
    protected_features_used: list[str]
    protected_used_in_calibration: list[str]
    cost_ratio: str
    bands: dict[str, float]
    calibration: dict[str, Any]
    training_data: dict[str, Any]
    cv_metrics: dict[str, Any]
    model_selection_auc: dict[str, float]
    reference_values: dict[str, float | str]
    global_importance: list[dict[str, Any]]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    model_file: str = MODEL_FILE
    model_sha256: str = ""
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds"))
    code_version: str = crimeplan.__version__
    sklearn_version: str = sklearn.__version__
    #: A blend's member weights by member model name (sum to one); empty for other models.
    blend_weights: dict[str, float] = field(default_factory=dict)
    #: Monotone constraints ({column: "+" or "-"}): risk only rises / only falls with it.
    monotone: dict[str, str] = field(default_factory=dict)
    #: Per constrained column, the largest wrong-way change in probability found when the
    #: fitted model was checked over the column's range for a sample of people (0: none).
    monotone_check: dict[str, float] = field(default_factory=dict)

    @property
    def thresholds(self) -> BandThresholds:
        return BandThresholds(self.bands["moderate_from"], self.bands["high_from"])

    @property
    def cost(self) -> CostRatio:
        return CostRatio.parse(self.cost_ratio)


@dataclass(frozen=True)
class SavedModel:
    """A model loaded from its folder, with its card."""

    model: CalibratedRiskModel
    card: ModelCard
    folder: Path


def save_model(folder: Path, model: CalibratedRiskModel, card: ModelCard) -> Path:
    """Write the model and its card (with the model file's hash); returns the card's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / MODEL_FILE)
    card.model_sha256 = sha256_file(folder / MODEL_FILE)
    path = folder / CARD_FILE
    path.write_text(json.dumps(asdict(card), indent=2, default=_json_default) + "\n",
                    encoding="utf-8")
    return path


def load_model(folder: Path) -> SavedModel:
    """Read a model folder, refusing it if the card and model do not match."""
    folder = Path(folder)
    card_path = folder / CARD_FILE
    if not card_path.is_file():
        raise RiskInputError(f"{folder}: no {CARD_FILE}; not a crimeplan risk model folder")
    try:
        raw = json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RiskInputError(f"{card_path}: not valid JSON ({exc})") from exc
    if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
        raise RiskInputError(
            f"{card_path}: format {raw.get('format')!r} version {raw.get('format_version')!r}; "
            f"expected {FORMAT!r} version {FORMAT_VERSION}")
    try:
        card = ModelCard(**raw)
    except TypeError as exc:
        raise RiskInputError(f"{card_path}: card fields do not match ({exc})") from exc
    model_path = folder / card.model_file
    if not model_path.is_file():
        raise RiskInputError(f"{folder}: model file {card.model_file} missing")
    if sha256_file(model_path) != card.model_sha256:
        raise RiskInputError(f"{model_path}: SHA-256 differs from the card's model_sha256; "
                             "the model file was changed after it was saved")
    model = joblib.load(model_path)
    if not isinstance(model, CalibratedRiskModel) or \
            list(model.feature_names_in_) != card.features:
        raise RiskInputError(f"{model_path}: the model's features differ from the card's")
    return SavedModel(model=model, card=card, folder=folder)


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
