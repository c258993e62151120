"""``MeritScorer``: gradient-boosted trees on pair features, calibrated to [0, 1].

The tree model is scikit-learn's ``HistGradientBoostingClassifier`` (missing values are
handled natively, and ``shap.TreeExplainer`` explains it exactly: SHAP values plus the
expected value sum to its raw log-odds output). A seeded, stratified held-out share of
the training pairs calibrates the raw output: Platt scaling (a logistic fit of the
margin, monotone, so rankings and SHAP attributions keep their meaning) or isotonic
regression.

Example:
    >>> scorer = MeritScorer(seed=0).fit(X, y)                # doctest: +SKIP
    >>> scorer.predict(X[:3])                                 # doctest: +SKIP
    array([0.91, 0.12, 0.55])
    >>> shap_values = scorer.explainer().shap_values(X[:3])   # doctest: +SKIP
    >>> scorer.save(Path("models/scorer"))  # scorer.json + scorer.npz   # doctest: +SKIP
    >>> MeritScorer.load(Path("models/scorer")).predict(X[:3])          # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import shap
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import ThreadpoolController

from engine.kernels.trees import MAX_LEAVES, TreeEnsemble
from graph_schema.errors import ConfigError, NotTrainedError
from graph_schema.params import bad_parameter

NOT_TRAINED = "{cls} is not fitted; call {cls}.fit(X, y) before {method}()"
BAD_LABELS = "MeritScorer.fit needs labels of both classes 0 and 1; got {found}"
BAD_SHAPE = "X must be a 2-D array with {width} columns (the fitted features); got shape {shape}"

Calibration = Literal["platt", "isotonic"]
_CONTROLLER: ThreadpoolController | None = None


def _limit(threads: int | None):
    """``threadpool_limits`` over a controller built once: discovering the loaded OpenMP
    libraries reads ``/proc/self/maps`` (about 4 ms), too slow for every prediction."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=threads, user_api="openmp")


class MeritScorer:
    """Learned merit score of (candidate, role) pairs in [0, 1].

    Args:
        seed: seed of the held-out split and of the tree model.
        calibration: ``"platt"`` or ``"isotonic"``.
        calibration_share: share of the pairs held out for calibration, in (0, 0.5].
        max_iter: boosting iterations.
        learning_rate: boosting learning rate.
        max_leaf_nodes: leaves per tree.
        min_samples_leaf: smallest leaf.
        feature_names: optional column names kept for explanations.
        n_threads: OpenMP threads of the tree model (1 by default: on a shared, loaded
            machine more threads made fitting ten times slower).
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        calibration: Calibration = "platt",
        calibration_share: float = 0.2,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        feature_names: tuple[str, ...] | None = None,
        n_threads: int | None = 1,
    ) -> None:
        self.seed = seed
        self.calibration = calibration
        self.calibration_share = calibration_share
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.feature_names = feature_names
        self.n_threads = n_threads

    def _validate(self) -> None:
        if self.calibration not in ("platt", "isotonic"):
            rule = "a str among {'platt', 'isotonic'}"
            raise bad_parameter("calibration", "MeritScorer", rule, self.calibration)
        if not (isinstance(self.max_leaf_nodes, int) and 2 <= self.max_leaf_nodes <= MAX_LEAVES):
            raise bad_parameter(
                "max_leaf_nodes",
                "MeritScorer",
                f"an int in [2, {MAX_LEAVES}] (a tree's leaves are one 64-bit word)",
                self.max_leaf_nodes,
            )
        if not 0.0 < self.calibration_share <= 0.5:
            raise bad_parameter(
                "calibration_share", "MeritScorer", "a float in (0, 0.5]", self.calibration_share
            )

    def fit(self, X: np.ndarray, y: np.ndarray) -> MeritScorer:
        """Fit the trees on a seeded stratified split and the calibrator on the rest.

        Args:
            X: pair features (pairs x features); NaN is allowed.
            y: 0/1 labels.

        Returns:
            self.

        Raises:
            ConfigError: a parameter is out of range, or ``y`` lacks a class.
        """
        self._validate()
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y).astype(int)
        found = sorted(set(np.unique(y).tolist()))
        if found != [0, 1]:
            raise ConfigError(BAD_LABELS.format(found=found))
        # a column with no value at all (e.g. a history feature on a store without one)
        # carries nothing, and the tree binning refuses it: it is read as 0
        X = np.where(np.isnan(X).all(axis=0), 0.0, X)
        X_fit, X_cal, y_fit, y_cal = train_test_split(
            X, y, test_size=self.calibration_share, stratify=y, random_state=self.seed
        )
        model = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            early_stopping=False,
            random_state=self.seed,
        )
        with _limit(self.n_threads):
            self.model_ = model.fit(X_fit, y_fit)
        self.trees_ = None
        margin = self.trees().margin(X_cal)
        if self.calibration == "platt":
            self.calibrator_ = LogisticRegression(C=1e6).fit(margin[:, None], y_cal)
        else:
            self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                margin, y_cal
            )
        self.n_features_in_ = X.shape[1]
        self.feature_names_ = tuple(self.feature_names or (f"x{i}" for i in range(X.shape[1])))
        return self

    def _check(self, method: str, X: np.ndarray | None = None) -> np.ndarray | None:
        if not hasattr(self, "model_"):
            raise NotTrainedError(NOT_TRAINED.format(cls=type(self).__name__, method=method))
        if X is None:
            return None
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ConfigError(BAD_SHAPE.format(width=self.n_features_in_, shape=X.shape))
        return X

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Raw log-odds of the tree model (what SHAP values sum to).

        Raises:
            NotTrainedError: ``fit`` has not been called.
        """
        X = self._check("decision_function", X)
        return self.trees().margin(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated merit scores in [0, 1], one per row of ``X``.

        Raises:
            NotTrainedError: ``fit`` has not been called.
            ConfigError: ``X`` does not have the fitted number of columns.
        """
        X = self._check("predict", X)
        margin = self.trees().margin(X)
        if self.calibration == "platt":
            # the logistic fit's probability, as its predict_proba computes it, without
            # its input checks (a third of a query's scoring time)
            slope, intercept = self.calibrator_.coef_[0, 0], self.calibrator_.intercept_[0]
            scores = expit(margin * slope + intercept)
        else:
            scores = self.calibrator_.predict(margin)
        return np.clip(scores, 0.0, 1.0)

    def trees(self) -> TreeEnsemble:
        """The tree model as one compiled ensemble (built once; its margins equal the
        tree model's ``decision_function`` bit for bit, and it skips a call per tree).

        Raises:
            NotTrainedError: ``fit`` has not been called.
        """
        self._check("trees")
        if getattr(self, "trees_", None) is None:
            from engine.models.scorer_files import tree_columns

            baseline = float(np.asarray(self.model_._baseline_prediction).ravel()[0])
            self.trees_ = TreeEnsemble.from_columns(tree_columns(self.model_), baseline)
        return self.trees_

    def explainer(self) -> shap.TreeExplainer:
        """An exact ``shap.TreeExplainer`` of the tree model (raw log-odds output).

        Raises:
            NotTrainedError: ``fit`` has not been called.
        """
        self._check("explainer")
        if not hasattr(self, "explainer_"):
            self.explainer_ = shap.TreeExplainer(self.model_)
        return self.explainer_

    def save(self, stem: Path) -> tuple[Path, Path]:
        """Write ``<stem>.json`` and ``<stem>.npz``: plain arrays and JSON, no pickle
        (``engine.models.scorer_files``). Returns both paths.

        Raises:
            NotTrainedError: ``fit`` has not been called.
        """
        from engine.models.scorer_files import save_scorer

        self._check("save")
        return save_scorer(self, Path(stem))

    @classmethod
    def load(cls, stem: Path) -> MeritScorer:
        """A scorer read from the files :meth:`save` wrote; scores equal the saved one's.

        Raises:
            ModelFileError: a file is missing, malformed or of another format.
        """
        from engine.models.scorer_files import load_scorer

        return load_scorer(Path(stem))
