"""Merit-scorer files: the fitted state as plain arrays and JSON, never a pickle.

A fitted :class:`~engine.models.scorer.MeritScorer` is written as two files:

- ``<name>.json``: the format tag, the constructor parameters, the feature count and names,
  the calibrator's scalars (Platt: slope and intercept; isotonic: range and direction) and
  the tree model's baseline (the log-odds every tree adds to);
- ``<name>.npz``: every tree's nodes as plain columns (``value``, ``count``, ``feature``,
  ``threshold``, ``missing_left``, ``left``, ``right``, ``is_leaf``, concatenated over the
  trees, ``tree_sizes`` to split them) and, for isotonic calibration, its thresholds.

Neither format can run code: the JSON is parsed, the NPZ is read with
``np.load(..., allow_pickle=False)``. Loading validates every column (dtype, shape, a
feature index below the feature count, child indices inside their own tree and after their
parent, so a tree is finite and acyclic) before the scikit-learn objects are rebuilt from
the arrays; the rebuilt model computes the very same floating-point operations as the one
that was saved, so its scores are equal bit for bit. A file that breaks any rule raises
:class:`~graph_schema.errors.ModelFileError` naming the file and the rule.

Example:
    >>> save_scorer(scorer, Path("models/scorer"))        # doctest: +SKIP
    >>> load_scorer(Path("models/scorer")).predict(X)      # doctest: +SKIP
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.ensemble._hist_gradient_boosting.common import (
    PREDICTOR_RECORD_DTYPE,
    X_BITSET_INNER_DTYPE,
)
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from engine.kernels.trees import MAX_LEAVES
from engine.models.model_files import bad_file
from graph_schema.errors import ModelFileError

if TYPE_CHECKING:
    from engine.models.scorer import MeritScorer

FORMAT = "talentgraph.merit-scorer/1"
NODE_COLUMNS: dict[str, np.dtype] = {
    "value": np.dtype(np.float64),
    "count": np.dtype(np.int64),
    "feature": np.dtype(np.int64),
    "threshold": np.dtype(np.float64),
    "missing_left": np.dtype(np.bool_),
    "left": np.dtype(np.int64),
    "right": np.dtype(np.int64),
    "is_leaf": np.dtype(np.bool_),
}
PICKLED_ARRAYS = "holds pickled data, which is never loaded (a pickle can run code when read)"
ISOTONIC_COLUMNS = ("iso_x", "iso_y")
PARAMS: dict[str, tuple[type, ...]] = {
    "seed": (int,),
    "calibration": (str,),
    "calibration_share": (float,),
    "max_iter": (int,),
    "learning_rate": (float,),
    "max_leaf_nodes": (int,),
    "min_samples_leaf": (int,),
    "feature_names": (list, type(None)),
    "n_threads": (int, type(None)),
}


def scorer_paths(stem: Path) -> tuple[Path, Path]:
    """(``<stem>.json``, ``<stem>.npz``)."""
    return stem.with_suffix(".json"), stem.with_suffix(".npz")


# -- save ---------------------------------------------------------------------------------
def tree_columns(model: HistGradientBoostingClassifier) -> dict[str, np.ndarray]:
    trees = [predictors[0] for predictors in model._predictors]
    if any(len(p) != 1 for p in model._predictors):
        raise ModelFileError("only a binary MeritScorer (one tree per iteration) can be saved")
    if any(t.nodes["is_categorical"].any() for t in trees):
        raise ModelFileError("a MeritScorer with categorical splits cannot be saved")
    nodes = (
        np.concatenate([t.nodes for t in trees]) if trees else np.zeros(0, PREDICTOR_RECORD_DTYPE)
    )
    source = {
        "value": "value",
        "count": "count",
        "feature": "feature_idx",
        "threshold": "num_threshold",
        "missing_left": "missing_go_to_left",
        "left": "left",
        "right": "right",
        "is_leaf": "is_leaf",
    }
    columns = {name: nodes[source[name]].astype(NODE_COLUMNS[name]) for name in NODE_COLUMNS}
    columns["tree_sizes"] = np.array([len(t.nodes) for t in trees], dtype=np.int64)
    return columns


def save_scorer(scorer: MeritScorer, stem: Path) -> tuple[Path, Path]:
    """Write a fitted scorer as ``<stem>.json`` and ``<stem>.npz``; returns both paths."""
    meta_path, array_path = scorer_paths(Path(stem))
    arrays = tree_columns(scorer.model_)
    calibrator = scorer.calibrator_
    if scorer.calibration == "platt":
        calibration: dict[str, Any] = {
            "kind": "platt",
            "coef": float(calibrator.coef_[0, 0]),
            "intercept": float(calibrator.intercept_[0]),
        }
    else:
        calibration = {
            "kind": "isotonic",
            "x_min": float(calibrator.X_min_),
            "x_max": float(calibrator.X_max_),
            "increasing": bool(calibrator.increasing_),
        }
        arrays["iso_x"] = np.asarray(calibrator.X_thresholds_, dtype=np.float64)
        arrays["iso_y"] = np.asarray(calibrator.y_thresholds_, dtype=np.float64)
    params = {name: getattr(scorer, name) for name in PARAMS}
    params["calibration_share"] = float(params["calibration_share"])
    params["learning_rate"] = float(params["learning_rate"])
    params["feature_names"] = list(params["feature_names"]) if params["feature_names"] else None
    meta = {
        "format": FORMAT,
        "sklearn": sklearn.__version__,
        "params": params,
        "n_features_in": int(scorer.n_features_in_),
        "feature_names": list(scorer.feature_names_),
        "baseline": float(np.ravel(scorer.model_._baseline_prediction)[0]),
        "calibration": calibration,
    }
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    with array_path.open("wb") as handle:
        np.savez(handle, **arrays)
    return meta_path, array_path


# -- load ---------------------------------------------------------------------------------
def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise bad_file(path, "is missing") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad_file(path, f"is not readable JSON ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise bad_file(path, f"has format {found!r}, expected {FORMAT!r}")
    return meta


def _unreadable(path: Path, error: Exception) -> ModelFileError:
    if isinstance(error, ValueError) and "pickle" in str(error).lower():
        return bad_file(path, PICKLED_ARRAYS)
    return bad_file(path, f"is not a plain-array NPZ archive ({type(error).__name__}: {error})")


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    unreadable = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
    try:
        # allow_pickle=False: a pickle, or an object array inside the archive, is a ValueError
        found = np.load(path, allow_pickle=False)
    except FileNotFoundError as e:
        raise bad_file(path, "is missing") from e
    except unreadable as e:
        raise _unreadable(path, e) from e
    if not isinstance(found, np.lib.npyio.NpzFile):
        raise bad_file(path, f"holds a single {type(found).__name__}, not an NPZ archive")
    try:
        with found:
            return {name: found[name] for name in found.files}
    except unreadable as e:
        raise _unreadable(path, e) from e


def _number(path: Path, meta: dict[str, Any], key: str, kind: type) -> Any:
    value = meta.get(key)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise bad_file(path, f"has {key}={value!r}; expected {kind.__name__}")
    if kind is float and not np.isfinite(value):
        raise bad_file(path, f"has {key}={value!r}; expected a finite number")
    return value


def _check_params(path: Path, params: Any) -> dict[str, Any]:
    if not isinstance(params, dict) or set(params) != set(PARAMS):
        raise bad_file(path, f"has params {params!r}; expected the keys {sorted(PARAMS)}")
    for name, kinds in PARAMS.items():
        value = params[name]
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = params[name] = float(value)
        if not isinstance(value, kinds) or isinstance(value, bool):
            expected = " or ".join(k.__name__ for k in kinds)
            raise bad_file(path, f"has params.{name}={value!r}; expected {expected}")
    if params["n_threads"] is not None and params["n_threads"] < 1:
        raise bad_file(path, f"has params.n_threads={params['n_threads']!r}; expected >= 1 or null")
    names = params["feature_names"]
    if names is not None and not all(isinstance(n, str) for n in names):
        raise bad_file(path, "has params.feature_names that are not all strings")
    return params


def _check_trees(path: Path, arrays: dict[str, np.ndarray], width: int) -> list[np.ndarray]:
    """The trees as sklearn node records, after checking every rule a crafted file could
    break (a bad child or feature index would read outside an array, a cycle would never
    end)."""
    for name, dtype in {**NODE_COLUMNS, "tree_sizes": np.dtype(np.int64)}.items():
        column = arrays.get(name)
        if column is None:
            raise bad_file(path, f"lacks the array {name!r}")
        if column.dtype != dtype or column.ndim != 1:
            raise bad_file(
                path, f"array {name!r} is {column.dtype}{list(column.shape)}; expected 1-D {dtype}"
            )
    sizes = arrays["tree_sizes"]
    total = len(arrays["value"])
    if any(len(arrays[name]) != total for name in NODE_COLUMNS):
        shapes = {name: len(arrays[name]) for name in NODE_COLUMNS}
        raise bad_file(path, f"has node columns of different lengths {shapes}")
    if sizes.size == 0 or (sizes < 1).any() or int(sizes.sum()) != total:
        raise bad_file(path, f"has tree_sizes summing to {int(sizes.sum())}, not {total} nodes")
    trees = []
    start = 0
    for t, size in enumerate(sizes.tolist()):
        part = {name: arrays[name][start : start + size] for name in NODE_COLUMNS}
        start += size
        inner = np.flatnonzero(~part["is_leaf"])
        own = np.arange(size)[inner]
        for side in ("left", "right"):
            child = part[side][inner]
            if ((child <= own) | (child >= size)).any():
                raise bad_file(path, f"tree {t} has a {side} child index outside (node, {size})")
        children = np.concatenate([part["left"][inner], part["right"][inner]])
        if np.unique(children).size != children.size:
            raise bad_file(path, f"tree {t} has a node with two parents (not a tree)")
        if part["is_leaf"].sum() > MAX_LEAVES:
            raise bad_file(path, f"tree {t} has more than {MAX_LEAVES} leaves")
        feature = part["feature"][inner]
        if ((feature < 0) | (feature >= width)).any():
            raise bad_file(path, f"tree {t} splits on a feature outside [0, {width})")
        if np.isnan(part["threshold"][inner]).any():
            raise bad_file(path, f"tree {t} has a NaN split threshold")
        if not np.isfinite(part["value"]).all() or (part["count"] < 0).any():
            raise bad_file(path, f"tree {t} has a non-finite leaf value or a negative count")
        nodes = np.zeros(size, dtype=PREDICTOR_RECORD_DTYPE)
        nodes["value"] = part["value"]
        nodes["count"] = part["count"]
        nodes["feature_idx"] = np.where(part["is_leaf"], 0, part["feature"])
        nodes["num_threshold"] = part["threshold"]
        nodes["missing_go_to_left"] = part["missing_left"]
        nodes["left"] = np.where(part["is_leaf"], 0, part["left"])
        nodes["right"] = np.where(part["is_leaf"], 0, part["right"])
        nodes["is_leaf"] = part["is_leaf"]
        trees.append(nodes)
    return trees


def _tree_model(
    params: dict[str, Any], trees: list[np.ndarray], baseline: float, width: int
) -> HistGradientBoostingClassifier:
    """A HistGradientBoostingClassifier whose prediction state is ``trees`` (no training
    state: it predicts and explains, it does not continue fitting)."""
    model = HistGradientBoostingClassifier(
        max_iter=params["max_iter"],
        learning_rate=params["learning_rate"],
        max_leaf_nodes=params["max_leaf_nodes"],
        min_samples_leaf=params["min_samples_leaf"],
        early_stopping=False,
        random_state=params["seed"],
    )
    empty = np.zeros((0, 8), dtype=X_BITSET_INNER_DTYPE)
    model._predictors = [[TreePredictor(nodes, empty, empty)] for nodes in trees]
    model._baseline_prediction = np.array([[baseline]], dtype=np.float64)
    model._preprocessor = None
    model._is_categorical_remapped = None
    model.is_categorical_ = None
    model.classes_ = np.array([0, 1])
    model.n_trees_per_iteration_ = 1
    model._loss = model._get_loss(sample_weight=None)
    model.n_features_in_ = width
    model.do_early_stopping_ = False
    model.train_score_ = np.zeros(0)
    model.validation_score_ = np.zeros(0)
    mapper = _BinMapper()
    mapper.is_categorical_ = np.zeros(width, dtype=np.uint8)
    mapper.bin_thresholds_ = [np.zeros(0)] * width
    model._bin_mapper = mapper
    return model


def _calibrator(
    path: Path, array_path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray], kind: str
) -> LogisticRegression | IsotonicRegression:
    found = meta.get("calibration")
    if not isinstance(found, dict) or found.get("kind") != kind:
        raise bad_file(path, f"has calibration {found!r}; expected kind {kind!r}")
    if kind == "platt":
        platt = LogisticRegression(C=1e6)
        platt.classes_ = np.array([0, 1])
        platt.coef_ = np.array([[_number(path, found, "coef", float)]])
        platt.intercept_ = np.array([_number(path, found, "intercept", float)])
        platt.n_features_in_ = 1
        platt.n_iter_ = np.array([0], dtype=np.int32)
        return platt
    x, y = (arrays.get(name) for name in ISOTONIC_COLUMNS)
    if x is None or y is None or x.dtype != np.float64 or y.dtype != np.float64:
        raise bad_file(
            array_path, "lacks float64 arrays 'iso_x' and 'iso_y' (isotonic calibration)"
        )
    if x.ndim != 1 or x.shape != y.shape or x.size < 2 or not np.isfinite(x).all():
        raise bad_file(array_path, f"has isotonic thresholds of shapes {x.shape} and {y.shape}")
    if (np.diff(x) < 0).any() or not ((y >= 0) & (y <= 1)).all():
        raise bad_file(array_path, "has isotonic thresholds out of order or scores outside [0, 1]")
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.X_min_ = _number(path, found, "x_min", float)
    iso.X_max_ = _number(path, found, "x_max", float)
    iso.increasing_ = _number(path, found, "increasing", bool)
    iso.X_thresholds_, iso.y_thresholds_ = x, y
    iso._build_f(x, y)
    return iso


def load_scorer(stem: Path) -> MeritScorer:
    """A scorer read from ``<stem>.json`` and ``<stem>.npz`` (written by :func:`save_scorer`).

    Raises:
        ModelFileError: a file is missing, unreadable or breaks a rule (named in the message).
    """
    from engine.models.scorer import MeritScorer

    meta_path, array_path = scorer_paths(Path(stem))
    meta = _read_meta(meta_path)
    arrays = _read_arrays(array_path)
    params = _check_params(meta_path, meta.get("params"))
    width = _number(meta_path, meta, "n_features_in", int)
    names = meta.get("feature_names")
    if width < 1 or not isinstance(names, list) or len(names) != width:
        raise bad_file(meta_path, f"has {width} features but feature names {names!r}")
    try:
        scorer = MeritScorer(**{k: v for k, v in params.items() if k != "feature_names"})
        scorer.feature_names = tuple(params["feature_names"]) if params["feature_names"] else None
        scorer._validate()
        trees = _check_trees(array_path, arrays, width)
        baseline = _number(meta_path, meta, "baseline", float)
        scorer.model_ = _tree_model(params, trees, baseline, width)
    except (TypeError, ValueError) as e:
        raise bad_file(meta_path, f"has parameters that do not fit ({e})") from e
    except ModelFileError:
        raise
    except Exception as e:  # the ConfigError of _validate and sklearn's own checks
        raise bad_file(meta_path, f"cannot be rebuilt ({type(e).__name__}: {e})") from e
    scorer.calibrator_ = _calibrator(meta_path, array_path, meta, arrays, scorer.calibration)
    scorer.n_features_in_ = width
    scorer.feature_names_ = tuple(str(n) for n in names)
    return scorer
