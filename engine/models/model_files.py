"""Reading model files without running code: one error message, one torch reader.

Every model file is JSON, plain-array NPZ (``np.load(..., allow_pickle=False)``), tensors
(``torch.load(..., weights_only=True)``, which refuses anything but tensors and plain
containers) or FAISS's own index format. A file that is missing, truncated, tampered with or
of an older format raises :class:`~graph_schema.errors.ModelFileError` naming the file and
the reason, and asking for a retrain.

Example:
    >>> state = read_weights(Path("models/CURRENT/adapter.pt"))   # doctest: +SKIP
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from graph_schema.errors import ModelFileError

BAD_FILE = "model file {path} {reason}; run `talentgraph train` again"
NOT_WEIGHTS = (
    "is not a plain tensor file (it is damaged, or holds objects only a full unpickling could "
    "build, which is refused: a pickle can run code when read)"
)


def bad_file(path: Path, reason: str) -> ModelFileError:
    """The error for one model file: ``model file <path> <reason>; run ... again``."""
    return ModelFileError(BAD_FILE.format(path=path, reason=reason))


def read_weights(path: Path) -> dict[str, Any]:
    """A dict of tensors and plain values saved by ``torch.save``, read with
    ``weights_only=True`` (no code runs, whatever the file holds).

    Raises:
        ModelFileError: the file is missing, not a torch file, or holds anything but tensors
            and plain containers (a pickle of an object).
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about the pickle protocol it refuses
            state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as e:
        raise bad_file(path, "is missing") from e
    except pickle.UnpicklingError as e:
        # torch's own text suggests weights_only=False: never repeat that advice to users
        raise bad_file(path, NOT_WEIGHTS) from e
    except Exception as e:  # RuntimeError (not a zip), EOFError (truncated), ...
        raise bad_file(path, f"is not a torch tensor file ({type(e).__name__})") from e
    if not isinstance(state, dict):
        raise bad_file(path, f"holds a {type(state).__name__}, expected a dict of tensors")
    return state
