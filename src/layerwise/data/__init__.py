"""Data around the core: the course's files, bundled data sets, file readers, preprocessing.

Nothing here is needed to build or train a network; everything here turns data into the course's
``X (n_x, m)`` and ``Y (n_y, m)`` and back. pandas, h5py and Pillow (``layerwise[data]``) are
imported only by the functions that read files or tables.

=====================  ========================================================================
module                 what it holds
=====================  ========================================================================
``arrays``             ``flatten_images``, ``one_hot``, ``Standardizer``, ``split_indices``
``course``             ``load_catvnoncat(folder)``, ``load_planar``, ``load_xor``
``bundled``            ``DATASETS``: data sets that train without a file
``readers``            ``read_data``: a bundled name, a table, an array file or images -> Dataset
``tables``             text tables: the delimiter found (``csv.Sniffer``) or given (``sep=``)
``binary``             ``.npy``/``.npz``/HDF5/Parquet opened safely; errors name the file
``tasks``              ``infer_task``, ``class_labels``
``columns``            what each raw column is (number, ISO date, category); ``TableError``:
                       every problem of a table at once
``imputation``         the Preprocessor's blocks: gaps imputed, indicators, categories encoded
``header``             a saved Preprocessor's header read back, every field checked
``preprocessing``      ``Preprocessor``: raw rows <-> course columns, saved with the model
``saved``              ``load_model``/``save_model``: a network with its preprocessing, one file
``checkpoints``        ``load_checkpoint``: a checkpoint read back as a Network and its History
``safe_text``          ``write_csv``/``csv_cell`` (no formula cells), ``printable`` (terminal)
=====================  ========================================================================
"""

from .arrays import Standardizer, flatten_images, one_hot, split_indices
from .bundled import DATASETS, bundled
from .checkpoints import Checkpoint, load_checkpoint
from .columns import TableError
from .course import CatData, load_catvnoncat, load_planar, load_xor
from .preprocessing import Preprocessor
from .readers import Dataset, read_data
from .saved import SavedModel, load_model, save_model
from .tasks import class_labels, infer_task

__all__ = [
    "DATASETS",
    "CatData",
    "Checkpoint",
    "Dataset",
    "Preprocessor",
    "SavedModel",
    "Standardizer",
    "TableError",
    "bundled",
    "class_labels",
    "flatten_images",
    "infer_task",
    "load_catvnoncat",
    "load_checkpoint",
    "load_model",
    "load_planar",
    "load_xor",
    "one_hot",
    "read_data",
    "save_model",
    "split_indices",
]
