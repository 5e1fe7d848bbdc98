"""Image data: MNIST-format IDX files and folders of images in class sub-folders, as a :class:`Dataset`.

Images are ``X`` float32 of shape (n_images, channels, height, width) (PyTorch's
NCHW layout), 8-bit pixel values scaled to [0, 1] (divided by 255), with one
feature name per value (``pixel_3_5`` for one channel; ``red_3_5``,
``green_3_5``, ``blue_3_5`` for three; row then column, counted from 0).

- :func:`load_idx` reads one IDX file (the format of LeCun's MNIST files, gzip'd
  or not) into a NumPy array, checking every byte count against the header before
  allocating anything; :func:`load_idx_pair` makes a dataset of an images file and
  its labels file.
- :func:`load_image_folder` reads a folder with one sub-folder per class, like
  Keras's ``image_dataset_from_directory``, with Pillow (``pip install
  "neuronkit[images]"``).

Everything a user gives is untrusted: a file that is not what it claims, truncated
or too large is refused with a :class:`~neuronkit.errors.DataError` naming the file
and what is wrong with it, before anything large is allocated.
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._units import bytes_text
from ..errors import DataError, MissingDependencyError, ParameterError, ParameterTypeError
from ..validation import check_choice, check_int, must_be
from .dataset import Dataset

__all__ = ["COLOR_MODES", "IDX_TYPES", "MAX_IDX_BYTES", "MAX_IMAGES", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS",
           "load_idx", "load_idx_pair", "load_image_folder"]

#: IDX type code -> the big-endian NumPy dtype of the values it announces
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
#: the most data bytes (after decompression) :func:`load_idx` reads unless ``max_bytes`` says more: 1 GiB
MAX_IDX_BYTES = 2**30
#: the most images :func:`load_image_folder` reads unless ``max_images`` says more
MAX_IMAGES = 100_000
#: the most pixels one image may have (read from its header, before decoding) unless ``max_pixels`` says more
MAX_IMAGE_PIXELS = 2**25
#: the largest ``X`` (float32 bytes) :func:`load_image_folder` allocates unless ``max_bytes`` says more: 2 GiB
MAX_IMAGE_BYTES = 2**31
#: ``color_mode`` -> (the Pillow mode images are converted to, the number of channels)
COLOR_MODES: dict[str, tuple[str, int]] = {"grayscale": ("L", 1), "rgb": ("RGB", 3), "rgba": ("RGBA", 4)}

_TYPE_NAMES = "0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double"
_GZIP_MAGIC = b"\x1f\x8b"


def _as_path(path: Any, name: str, owner: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterTypeError(must_be(name, "a file path (str or pathlib.Path)", path, owner=owner))
    return Path(path)


def _open_regular(path: Path, what: str) -> IO[bytes]:
    """``path`` opened for binary reading if it is a regular file (a FIFO or a device is refused unopened)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataError(f"{what} not found: {path} (full path {path.resolve()}); check the name and the current "
                        f"directory ({Path.cwd()}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{path} is a directory; give the path of the {what} inside it.")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{path} is not a regular file (a pipe, socket or device); neuronkit reads a {what} only "
                        "from a file on disk.")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DataError(f"{path} is not a regular file; neuronkit reads a {what} only from a file on disk.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_into(stream: IO[bytes] | gzip.GzipFile, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; the number of bytes read (fewer only at the end of the stream)."""
    done = 0
    while done < len(buffer):
        n = stream.readinto(buffer[done:])  # type: ignore[union-attr]
        if not n:
            break
        done += n
    return done


# ----------------------------------------------------------------------------- IDX
def load_idx(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (the format of the MNIST files), gzip'd or not.

    An IDX file is a 4-byte magic number — two zero bytes, a type code (0x08
    unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64) and the number of dimensions d — then d sizes as big-endian
    uint32, then the values, big-endian, in C order. A file starting with the
    gzip magic bytes (``1f 8b``: ``train-images-idx3-ubyte.gz``) is
    decompressed as it is read, whatever its name.

    Returns an array of the announced shape in the announced type (native byte
    order): uint8 (n, 28, 28) for MNIST's images, uint8 (n,) for its labels.

    Refused with a :class:`~neuronkit.errors.DataError` naming the file: a
    wrong magic number or type code, a header cut short, fewer values than the
    sizes say (truncated) or more (trailing data), a corrupt gzip stream, and
    data larger than ``max_bytes`` (default ``MAX_IDX_BYTES``, 1 GiB;
    checked from the header, before anything is allocated).

    >>> import tempfile, pathlib, struct
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx2-ubyte"
    >>> _ = path.write_bytes(struct.pack(">BBBBII", 0, 0, 0x08, 2, 2, 3) + bytes([0, 1, 2, 3, 4, 255]))
    >>> load_idx(path)
    array([[  0,   1,   2],
           [  3,   4, 255]], dtype=uint8)
    """
    path = _as_path(path, "path", "load_idx")
    limit = MAX_IDX_BYTES if max_bytes is None else check_int(max_bytes, "max_bytes", low=1, owner="load_idx")
    with _open_regular(path, "IDX file") as raw:
        file_size = os.fstat(raw.fileno()).st_size
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            return _read_idx(stream, path, limit, None if compressed else file_size)
        except (OSError, EOFError, zlib.error) as exc:
            if not compressed:
                raise
            raise DataError(f"IDX file {path} starts like a gzip file but does not decompress ({exc}); the "
                            "download may be incomplete: fetch it again, or gunzip it to see what is wrong.") from None
        finally:
            if compressed:
                stream.close()


def _read_idx(stream: IO[bytes] | gzip.GzipFile, path: Path, limit: int, file_size: int | None) -> np.ndarray:
    where = f"IDX file {path}{' (gzip)' if file_size is None else ''}"
    magic = stream.read(4)
    if len(magic) < 4:
        raise DataError(f"{where} holds {len(magic)} bytes; an IDX file starts with a 4-byte magic number "
                        "(two zero bytes, a type code, the number of dimensions). Is it the right file?")
    if magic[:2] != b"\0\0":
        raise DataError(f"{where} is not an IDX file: it starts with bytes {magic.hex(' ')}, where an IDX file "
                        "starts with two zero bytes, a type code and the number of dimensions (MNIST's "
                        "images: 00 00 08 03). Give an IDX file such as train-images-idx3-ubyte(.gz).")
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        raise DataError(f"{where} has type code 0x{code:02X}, which is not an IDX type ({_TYPE_NAMES}).")
    if ndim == 0:
        raise DataError(f"{where} declares 0 dimensions; an IDX file holds an array of 1 to 255 dimensions.")
    header = stream.read(4 * ndim)
    if len(header) < 4 * ndim:
        raise DataError(f"{where} is truncated: its magic number declares {ndim} dimensions ({4 * ndim} bytes of "
                        f"sizes), but only {len(header)} bytes follow.")
    shape = tuple(int(n) for n in np.frombuffer(header, dtype=">u4"))
    dtype = IDX_TYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    if expected > limit:
        raise DataError(f"{where} declares an array of shape {shape} of {dtype.name}: {bytes_text(expected)} of data, "
                        f"more than the limit of {bytes_text(limit)}; pass max_bytes={expected} if the file is right.")
    if file_size is not None and file_size != 4 + 4 * ndim + expected:
        found = file_size - 4 - 4 * ndim
        problem = "is truncated" if found < expected else "has more data than its header says"
        raise DataError(f"{where} {problem}: its header declares shape {shape} of {dtype.name}, {expected} bytes "
                        f"of data, but {found} bytes follow the header. Fetch the file again or check that it "
                        "is the one you meant.")
    array = np.empty(shape, dtype=dtype)
    found = _read_into(stream, array.reshape(-1).view(np.uint8).data)
    if found < expected:
        raise DataError(f"{where} is truncated: its header declares shape {shape} of {dtype.name}, {expected} "
                        f"bytes of data, but the data ends after {found} bytes. Fetch the file again.")
    if stream.read(1):
        raise DataError(f"{where} has more data than its header says: shape {shape} of {dtype.name} is {expected} "
                        "bytes, and more bytes follow. Check that it is the file you meant.")
    return array.astype(dtype.newbyteorder("="), copy=False)


def load_idx_pair(images: str | os.PathLike[str], labels: str | os.PathLike[str], *, name: str | None = None,
                  max_bytes: int | None = None) -> Dataset:
    """A classification :class:`Dataset` from an IDX images file and the IDX labels file that goes with it.

    ``images`` holds an array (n, height, width) (``train-images-idx3-ubyte.gz``),
    ``labels`` n integer labels (``train-labels-idx1-ubyte.gz``); see
    :func:`load_idx`. ``X`` is float32 (n, 1, height, width): unsigned bytes are
    divided by 255 (so [0, 1]), other types are converted unchanged. ``classes``
    are the distinct labels in increasing order (``y[i]`` indexes them);
    ``name`` defaults to the images file's name without ``.gz``.

    >>> import tempfile, pathlib, struct
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "images").write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 1, 2) + bytes([0, 255, 51, 102]))
    >>> _ = (folder / "labels").write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 2) + bytes([7, 3]))
    >>> ds = load_idx_pair(folder / "images", folder / "labels")
    >>> ds.X.shape, (ds.X.ravel() * 255).round().tolist(), ds.classes, ds.labels().tolist()
    ((2, 1, 1, 2), [0.0, 255.0, 51.0, 102.0], [3, 7], [7, 3])
    """
    image_path = _as_path(images, "images", "load_idx_pair")
    label_path = _as_path(labels, "labels", "load_idx_pair")
    pixels = load_idx(image_path, max_bytes=max_bytes)
    targets = load_idx(label_path, max_bytes=max_bytes)
    if pixels.ndim != 3 or pixels.shape[0] == 0:
        raise DataError(f"IDX images file {image_path} holds an array of shape {pixels.shape}; an images file holds "
                        "(n_images, height, width) with at least one image. Did you swap images and labels?")
    if targets.ndim != 1 or targets.dtype.kind not in "iu":
        raise DataError(f"IDX labels file {label_path} holds an array of shape {targets.shape} of "
                        f"{targets.dtype.name}; a labels file holds one integer label per image, shape (n_images,).")
    if len(targets) != len(pixels):
        raise DataError(f"IDX images file {image_path} holds {len(pixels)} images but labels file {label_path} "
                        f"holds {len(targets)} labels; give the matching pair (train-* with train-*, t10k-* with "
                        "t10k-*).")
    X = pixels[:, None].astype(np.float32)
    if pixels.dtype == np.uint8:
        X /= 255
    elif not np.all(np.isfinite(X)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(X[:, 0]))[0])
        raise DataError(f"IDX images file {image_path} holds a value that is not a finite float32 "
                        f"({pixels[where]}) at index {where}; fix or drop that image.")
    classes, y = np.unique(targets, return_inverse=True)
    stem = image_path.name.removesuffix(".gz")
    height, width = pixels.shape[1:]
    return Dataset(stem if name is None else str(name), X, y.astype(np.int64), "classification",
                   classes=classes.tolist(), target_name="label",
                   description=f"{len(X)} images of {height}x{width} from {image_path}, labels from {label_path}.")


# ----------------------------------------------------------------------------- image folders
def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise MissingDependencyError('load_image_folder reads images with Pillow, which is not installed; install it '
                                     'with: pip install "neuronkit[images]"') from None
    return Image


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _image_files(root: Path, max_images: int) -> tuple[list[str], list[list[Path]]]:
    """The class folders of ``root`` (sorted) and the files in each (sorted, sub-folders included)."""
    if not root.exists():
        raise DataError(f"image folder not found: {root} (full path {root.resolve()}); check the name and the "
                        f"current directory ({Path.cwd()}).")
    if not root.is_dir():
        raise DataError(f"{root} is not a folder; load_image_folder reads a folder holding one sub-folder of "
                        "images per class (cats/, dogs/, ...).")
    classes: list[str] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if _hidden(entry.name):
            continue
        if not entry.is_dir():
            raise DataError(f"{root} holds the file {entry.name!r} beside its class folders; load_image_folder "
                            "reads images only from class sub-folders (one per class). Move it into a class "
                            f"folder or out of {root}.")
        classes.append(entry.name)
    if not classes:
        raise DataError(f"{root} holds no class sub-folders; put the images of each class in a sub-folder named "
                        f"after the class ({root / 'cats'}, {root / 'dogs'}, ...).")
    files: list[list[Path]] = []
    total = 0
    for label in classes:
        found = []
        for folder, subfolders, names in os.walk(root / label):
            subfolders[:] = sorted(d for d in subfolders if not _hidden(d))
            found += [Path(folder) / n for n in names if not _hidden(n)]
        found.sort()  # by path: a/sub/y.png before a/x.png
        if not found:
            raise DataError(f"class folder {root / label} holds no images; add images to it or remove it.")
        total += len(found)
        if total > max_images:
            raise DataError(f"{root} holds more than {max_images} files in its class folders, the limit; pass "
                            "max_images= to read more, or use a sample.")
        files.append(found)
    return classes, files


def _open_image(Image: Any, path: Path, max_pixels: int) -> Any:
    """The image at ``path`` opened lazily (its header read), if Pillow can read it and it is not too large."""
    if not path.is_file():
        raise DataError(f"{path} is not a regular file (a pipe, socket, device or broken link); an image folder "
                        "holds image files only. Remove it.")
    try:
        image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(f"image {path} has more pixels than Pillow's safety limit; remove it or shrink it.") from None
    except Image.UnidentifiedImageError:
        raise DataError(f"{path} is not an image Pillow can read (PNG, JPEG, GIF, BMP, TIFF, WebP, ...); remove it "
                        "from the image folder, or convert it.") from None
    except OSError as exc:
        raise DataError(f"image {path} could not be read: {exc}") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise DataError(f"image {path} is {height}x{width} (height x width), {width * height} pixels, more than the "
                        f"limit of {max_pixels}; pass max_pixels= to allow it, or shrink the image.")
    if image.mode.startswith(("I", "F")):
        image.close()
        raise DataError(f"image {path} has Pillow mode {image.mode!r} (16- or 32-bit samples); load_image_folder "
                        "reads 8-bit images (grayscale, RGB, RGBA, palette). Convert it to 8-bit first.")
    return image


def _pixels(Image: Any, path: Path, pil_mode: str, size: tuple[int, int] | None, max_pixels: int) -> np.ndarray:
    """One image as uint8 (height, width, channels), converted to ``pil_mode`` and resized to ``size``."""
    with _open_image(Image, path, max_pixels) as image:
        try:
            image.load()
            if image.mode == "P" and "transparency" in image.info:
                converted = image.convert("RGBA").convert(pil_mode)  # Pillow asks palette+transparency go via RGBA
            else:
                converted = image.convert(pil_mode)
            if size is not None and converted.size != (size[1], size[0]):
                converted = converted.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            array = np.asarray(converted, dtype=np.uint8)
        except (OSError, SyntaxError, ValueError) as exc:
            raise DataError(f"image {path} could not be decoded ({exc}); the file may be truncated or corrupt: "
                            "remove it or replace it.") from None
    return array.reshape(array.shape[0], array.shape[1], -1)


def _checkbytes_text(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    pair = (size, size) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) else size
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ParameterError(must_be("size", "None, an int or a pair (height, width) of ints >= 1", size,
                                     owner="load_image_folder"))
    return (check_int(pair[0], "size height", low=1, owner="load_image_folder"),
            check_int(pair[1], "size width", low=1, owner="load_image_folder"))


def load_image_folder(path: str | os.PathLike[str], *, size: int | tuple[int, int] | None = None,
                      color_mode: str = "grayscale", name: str | None = None, max_images: int = MAX_IMAGES,
                      max_pixels: int = MAX_IMAGE_PIXELS, max_bytes: int = MAX_IMAGE_BYTES) -> Dataset:
    """A classification :class:`Dataset` from a folder of images in class sub-folders, read with Pillow.

    Like Keras's ``image_dataset_from_directory``: each sub-folder of ``path`` is
    a class, the classes in sorted order (``classes[y[i]]`` is the folder of
    image i); the images in a class folder (its sub-folders included) are read
    in the sorted order of their paths. Names starting with ``.`` (hidden files and folders) are
    skipped; every other file must be an image Pillow reads (PNG, JPEG, GIF,
    BMP, TIFF, WebP, ...), with 8-bit samples.

    ``X`` is float32 (n_images, C, height, width), pixel values divided by 255.
    ``color_mode``: ``"grayscale"`` (C=1; colour images become Pillow's ``L``,
    0.299 R + 0.587 G + 0.114 B), ``"rgb"`` (C=3) or ``"rgba"`` (C=4; images
    without transparency get alpha 1). ``size``: ``None`` (every image must have
    the size of the first one; one that differs is named), an int (square) or
    ``(height, width)``: every image of another size is resized with Pillow's
    bilinear filter (antialiased when shrinking), and ``Dataset.notes`` says
    how many were.

    Limits, all checked before the pixels are decoded: ``max_images`` files,
    ``max_pixels`` pixels per image (from its header), ``max_bytes`` for ``X``.
    Refusals (:class:`~neuronkit.errors.DataError`) name the folder or file: no
    class folders, an empty class folder, a file beside the class folders, a
    file that is not an image or is truncated, a size that differs. Symbolic
    links to folders inside a class folder are not followed.

    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label, value in [("dark", 0), ("light", 255)]:
    ...     (root / label).mkdir()
    ...     Image.new("L", (3, 2), value).save(root / label / "a.png")
    >>> ds = load_image_folder(root)
    >>> ds.X.shape, ds.classes, ds.y.tolist(), float(ds.X[1].max())
    ((2, 1, 2, 3), ['dark', 'light'], [0, 1], 1.0)
    """
    owner = "load_image_folder"
    root = _as_path(path, "path", owner)
    check_choice(color_mode, "color_mode", tuple(COLOR_MODES), owner=owner)
    target = _checkbytes_text(size)
    max_images = check_int(max_images, "max_images", low=1, owner=owner)
    max_pixels = check_int(max_pixels, "max_pixels", low=1, owner=owner)
    max_bytes = check_int(max_bytes, "max_bytes", low=1, owner=owner)
    Image = _pillow()
    pil_mode, channels = COLOR_MODES[color_mode]
    classes, files = _image_files(root, max_images)
    paths = [p for group in files for p in group]
    sizes = []
    for file in paths:  # headers only: every file is checked before any pixel is decoded
        with _open_image(Image, file, max_pixels) as image:
            sizes.append((image.size[1], image.size[0]))
    if target is None:
        for file, hw in zip(paths, sizes):
            if hw != sizes[0]:
                raise DataError(f"image {file} is {hw[0]}x{hw[1]} (height x width) but {paths[0]} is "
                                f"{sizes[0][0]}x{sizes[0][1]}; images must share one size, or pass size=(height, "
                                "width) to resize them all.")
    height, width = target if target is not None else sizes[0]
    n_bytes = len(paths) * channels * height * width * 4
    if n_bytes > max_bytes:
        raise DataError(f"{root}: {len(paths)} images of {channels}x{height}x{width} take {bytes_text(n_bytes)} as "
                        f"float32, more than the limit of {bytes_text(max_bytes)}; pass max_bytes={n_bytes}, a smaller "
                        "size=, or use fewer images.")
    X = np.empty((len(paths), channels, height, width), dtype=np.float32)
    for i, file in enumerate(paths):
        pixels = _pixels(Image, file, pil_mode, target, max_pixels)
        np.divide(pixels.transpose(2, 0, 1), 255, out=X[i], dtype=np.float32)
    y = np.repeat(np.arange(len(classes)), [len(group) for group in files])
    resized = sum(hw != (height, width) for hw in sizes)
    notes = (f"{resized} of {len(paths)} images resized to {height}x{width} (height x width)",) if resized else ()
    return Dataset(root.resolve().name if name is None else str(name), X, y, "classification", classes=classes,
                   target_name="class", notes=notes,
                   description=f"{len(paths)} {color_mode} images of {height}x{width} in {len(classes)} class "
                               f"folders of {root}.")
