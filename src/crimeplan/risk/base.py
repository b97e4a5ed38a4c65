"""The contract every risk model follows, in the spirit of scikit-learn estimators.

A model is built from parameters only (``__init__`` stores them, nothing else); ``fit(X, y)``
learns from a DataFrame of raw features (numbers and text categories) and a 0/1 outcome;
``predict_proba(X)`` returns an (n, 2) array of probabilities for outcome 0 and 1. Text
features are one-hot encoded inside the model, so callers never encode. ``tests/risk`` runs one
conformance suite on every model.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from crimeplan.risk.errors import RiskInputError


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Columns held as numbers (bool counts as a category)."""
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns one-hot encoded as categories."""
    numeric = set(numeric_columns(frame))
    return [c for c in frame.columns if c not in numeric]


def encoder(frame: pd.DataFrame, numeric_step: object = "passthrough") -> ColumnTransformer:
    """Numbers through ``numeric_step``; text one-hot encoded (unseen levels all-zero)."""
    return ColumnTransformer(
        [("numeric", numeric_step, numeric_columns(frame)),
         ("category", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
          text_columns(frame))],
        verbose_feature_names_out=False,
    )


class RiskModel(ClassifierMixin, BaseEstimator):
    """The contract: ``fit(X, y)`` then ``predict_proba(X)``; parameters only in ``__init__``."""

    #: Short name used by the CLI (``--model``) and the model card.
    name: str = ""
    #: The calibration method ``auto`` gives this model (None: isotonic from 1,000 rows,
    #: sigmoid below).
    auto_calibration: str | None = None

    @abstractmethod
    def fit(self, X: pd.DataFrame, y: np.ndarray) -> RiskModel:
        """Learn from features ``X`` (a DataFrame) and 0/1 outcomes ``y``."""

    @abstractmethod
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of outcome 0 and 1, one row per person."""

    @property
    @abstractmethod
    def encoded_feature_names(self) -> list[str]:
        """Model inputs after one-hot encoding (what the estimator actually sees)."""

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The more likely outcome (0/1); bands, not this, drive decisions."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def _start_fit(self, X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Check the training data and record its columns."""
        X = as_frame(X)
        y = np.asarray(y).astype(int)
        if len(X) != len(y):
            raise RiskInputError(f"{len(X)} rows of features but {len(y)} outcomes")
        if len(np.unique(y)) < 2:
            raise RiskInputError("the outcome has only one class; need both 0 and 1")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.array([0, 1])
        return X, y

    def _columns(self, X: pd.DataFrame) -> pd.DataFrame:
        """The fitted features of ``X``, in training order."""
        X = as_frame(X)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise RiskInputError(f"features missing from the data: {', '.join(missing)}")
        return X[list(self.feature_names_in_)]


class PipelineRiskModel(RiskModel):
    """A model that is one scikit-learn pipeline: encoding, then an estimator."""

    @abstractmethod
    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        """A fresh, unfitted pipeline for these columns."""

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> PipelineRiskModel:
        X, y = self._start_fit(X, y)
        self.pipeline_ = self._pipeline(X).fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(self._columns(X))

    @property
    def encoded_feature_names(self) -> list[str]:
        check_is_fitted(self, "pipeline_")
        return [str(n) for n in self.pipeline_[0].get_feature_names_out()]


def as_frame(X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """``X`` itself if a DataFrame, else the array with columns named x0, x1, ..."""
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
