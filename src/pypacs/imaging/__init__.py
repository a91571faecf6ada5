"""Pixels to pictures: decoding, modality and VOI transforms, rendering to 8-bit images. Pure numpy, no I/O."""
