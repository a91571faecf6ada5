"""Which decoders turn stored pixel data into pixels: pydicom's plugins for GDCM (the JPEG family, JPEG-LS, JPEG
2000), pylibjpeg-openjpeg (JPEG 2000, HTJ2K) and pylibjpeg-rle, plus GDCM for 12-bit JPEG Extended, which pydicom's
own GDCM plugin declines. Every decoder here is under a permissive licence (no GPL libjpeg).

Registered once through pydicom's public plugin API (`Decoder.add_plugin`); pure: bytes in, bytes out.
"""

from __future__ import annotations

from typing import Any

from pydicom import uid

try:
    import gdcm

    HAVE_GDCM = True
except ImportError:  # pragma: no cover - python-gdcm is a dependency
    HAVE_GDCM = False

PLUGIN = "pypacs-gdcm-12bit"
DECODER_DEPENDENCIES = {uid.JPEGExtended12Bit: ("python-gdcm>=3.0.10",)}


def is_available(transfer_syntax_uid: str) -> bool:
    """pydicom's plugin contract: whether this module can decode the syntax here."""
    return HAVE_GDCM and transfer_syntax_uid == uid.JPEGExtended12Bit


def decode_frame(src: bytes, runner: Any) -> bytes:
    """One 12-bit JPEG Extended frame decoded by GDCM (pydicom's plugin contract: `runner` is its DecodeRunner).

    GDCM is lenient where libjpeg is strict (e.g. an SOS with the wrong spectral selection, which many 12-bit
    encoders wrote), and decodes 12-bit samples into 16-bit containers."""
    if runner.bits_stored <= 8:
        raise NotImplementedError("8-bit JPEG Extended is left to the other decoders")
    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((runner.columns, runner.rows, 1))
    image.SetDataElement(element)
    kind = gdcm.PhotometricInterpretation.GetPIType(runner.photometric_interpretation)
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(kind))
    if runner.samples_per_pixel > 1:
        image.SetPlanarConfiguration(runner.planar_configuration)
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGExtendedProcess2_4))
    bits = runner.bits_stored
    image.SetPixelFormat(gdcm.PixelFormat(runner.samples_per_pixel, 16, bits, bits - 1, runner.pixel_representation))
    runner.set_option("bits_allocated", 16)
    decoded = image.GetBuffer()
    if not decoded:
        raise ValueError("GDCM could not decode the 12-bit JPEG frame")
    frame: bytes = decoded.encode("utf-8", "surrogateescape")  # GDCM hands char* back as str
    expected = runner.rows * runner.columns * runner.samples_per_pixel * 2
    if len(frame) != expected:
        raise ValueError(f"GDCM decoded {len(frame)} bytes of a {expected}-byte 12-bit JPEG frame")
    return frame


_registered = False


def register_decoders() -> None:
    """Add pypacs's decoders to pydicom's (once per process; pydicom tries its own first)."""
    global _registered
    if _registered:
        return
    from pydicom.pixels import get_decoder

    decoder = get_decoder(uid.JPEGExtended12Bit)
    decoder.add_plugin(PLUGIN, (__name__, "decode_frame"))
    _registered = True
