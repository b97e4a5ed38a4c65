"""A fitted model's folder: ``model.skops`` plus ``model.json``, the card that documents it.

Layout (format ``crimeplan-risk-model``, version 3: a skops file, not a pickle)::

    MODEL_DIR/
      model.skops    the fitted CalibratedRiskModel in skops' format: a zip of JSON and arrays
      model.json     the card: see ``ModelCard``; ``model_sha256`` is the model file's hash

Loading a model folder never runs code from it. The model file is named by the card, so that
name must stay inside the folder (no absolute path, no ``..``, no symbolic link leading out).
skops rebuilds only types on an explicit list (``TRUSTED_TYPES`` plus skops' own defaults:
scikit-learn estimators, numpy and scipy basics) and refuses any other; a pickle (version 2
folders held ``model.joblib``) is never loaded: such folders are refused with the command that
re-fits them. Loading also checks the format and version, the model file's hash against the
card, and that the model's features are the card's features.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import zipfile
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import lightgbm as lgb
import sklearn
import skops.io as sio
from sklearn.tree._tree import Tree
from skops.io.exceptions import UntrustedTypesFoundException

import crimeplan
from crimeplan.provenance.hashing import sha256_file
from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import (
    BlendedRiskModel,
    CalibratedRiskModel,
    CostSensitiveForest,
    GradientBoosting,
    LogisticBaseline,
    PairProducts,
    PenalisedLogistic,
    _CalibrationMap,
    _Sigmoid,
)
from crimeplan.risk.monotone import BoundedLogistic, Ramps

FORMAT = "crimeplan-risk-model"
FORMAT_VERSION = 3
MODEL_FILE = "model.skops"
CARD_FILE = "model.json"
#: The last format version whose model file was a pickle.
PICKLE_VERSION = 2

#: Types a model file may hold beyond skops' defaults: crimeplan's risk models and their parts,
#: LightGBM's classifier and booster (restored from LightGBM's own text model), scikit-learn's
#: fitted tree, and the array function scipy's B-splines keep (inside SplineTransformer).
TRUSTED_TYPES: list[str] = [
    *(f"{t.__module__}.{t.__qualname__}" for t in (
        CalibratedRiskModel, LogisticBaseline, PenalisedLogistic, CostSensitiveForest,
        GradientBoosting, BlendedRiskModel, PairProducts, _CalibrationMap, _Sigmoid,
        BoundedLogistic, Ramps, lgb.LGBMClassifier, lgb.Booster, Tree, OrderedDict)),
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
]


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
    model_path = inside(folder, card.model_file, f"{folder / CARD_FILE}: model_file")
    sio.dump(model, model_path)
    card.model_sha256 = sha256_file(model_path)
    path = folder / CARD_FILE
    path.write_text(json.dumps(asdict(card), indent=2, default=_json_default) + "\n",
                    encoding="utf-8")
    return path


def load_model(folder: Path) -> SavedModel:
    """Read a model folder, refusing it if the card and model do not match."""
    folder = Path(folder)
    card_path = inside(folder, CARD_FILE, f"{folder}: the card")
    if not card_path.is_file():
        raise RiskInputError(f"{folder}: no {CARD_FILE}; not a crimeplan risk model folder")
    try:
        raw = json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RiskInputError(f"{card_path}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise RiskInputError(f"{card_path}: not a model card (a JSON object)")
    if raw.get("format") == FORMAT and raw.get("format_version") == PICKLE_VERSION:
        raise RiskInputError(
            f"{card_path}: format version {PICKLE_VERSION} keeps the model as a pickle, which "
            "can run any code when loaded, so crimeplan no longer loads it; re-fit the model "
            f"into a new folder: {_refit_command(raw, folder)}")
    if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
        raise RiskInputError(
            f"{card_path}: format {raw.get('format')!r} version {raw.get('format_version')!r}; "
            f"expected {FORMAT!r} version {FORMAT_VERSION}")
    try:
        card = ModelCard(**raw)
    except TypeError as exc:
        raise RiskInputError(f"{card_path}: card fields do not match ({exc})") from exc
    model_path = inside(folder, card.model_file, f"{card_path}: model_file")
    if not model_path.is_file():
        raise RiskInputError(f"{folder}: model file {card.model_file} missing")
    if sha256_file(model_path) != card.model_sha256:
        raise RiskInputError(f"{model_path}: SHA-256 differs from the card's model_sha256; "
                             "the model file was changed after it was saved")
    model = _read_skops(model_path)
    if not isinstance(model, CalibratedRiskModel) or \
            list(model.feature_names_in_) != card.features:
        raise RiskInputError(f"{model_path}: the model's features differ from the card's")
    return SavedModel(model=model, card=card, folder=folder)


def inside(folder: Path, name: object, what: str) -> Path:
    """``folder / name``, refused unless it stays inside ``folder``.

    ``name`` must be a relative path without ``..``; resolved (following symbolic links) it
    must still lie inside the resolved folder, so a card cannot point at files elsewhere.
    """
    if not isinstance(name, str) or not name.strip():
        raise RiskInputError(f"{what} must name a file inside the model folder, not {name!r}")
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or Path(name).is_absolute() or ".." in relative.parts:
        raise RiskInputError(f"{what} {name!r} leaves the model folder: give a file name "
                             "inside it (no absolute path, no '..')")
    path = folder / relative
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RiskInputError(f"{what} {name!r} leads outside the model folder (through a "
                             f"symbolic link, to {path.resolve()})")
    return path


def _read_skops(path: Path) -> object:
    """The object in a skops file, refusing any type not trusted (nothing untrusted is built)."""
    try:
        return sio.load(path, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as exc:
        raise RiskInputError(f"{path}: holds types crimeplan does not load ({exc}); only "
                             "crimeplan's risk models are accepted") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise RiskInputError(f"{path}: not a readable skops model file ({exc})") from exc


def _refit_command(raw: dict[str, Any], folder: Path) -> str:
    """The ``crimeplan risk fit`` command that re-creates a model from its card's settings."""
    training = raw.get("training_data") or {}
    calibration = raw.get("calibration") or {}
    args = ["crimeplan", "risk", "fit", str(training.get("file", "TRAINING.csv")),
            "--target", str(raw.get("target")), "--features", ",".join(raw.get("features", [])),
            "--out", f"{folder}-v{FORMAT_VERSION}", "--model", str(raw.get("model")),
            "--cost-ratio", str(raw.get("cost_ratio"))]
    if raw.get("id_column"):
        args += ["--id", str(raw["id_column"])]
    if raw.get("protected"):
        args += ["--protected", ",".join(raw["protected"])]
    if calibration.get("method"):
        args += ["--calibration", str(calibration["method"])]
    if calibration.get("folds"):
        args += ["--folds", str(calibration["folds"])]
    if raw.get("protected_as_feature"):
        args.append("--allow-protected-as-feature")
    if calibration.get("within"):
        args += ["--calibrate-within", str(calibration["within"]),
                 "--allow-protected-in-calibration"]
    if raw.get("monotone"):
        args += ["--monotone", ",".join(f"{c}:{s}" for c, s in raw["monotone"].items())]
    return shlex.join(args)


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
