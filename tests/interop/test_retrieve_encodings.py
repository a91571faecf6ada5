"""C-MOVE and C-GET of compressed and big endian objects to peers that accept only little endian uncompressed
syntaxes, and the pacing of pending responses: a real `pypacs serve` and pynetdicom peers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, build_role, evt
from pynetdicom.events import Event
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    MRImageStorage,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from tests.interop.conftest import PacsProcess, free_port, pypacs_cli, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

# file -> file with the same pixels
COMPRESSED = {"JPEG2000.dcm": None, "MR_small_RLE.dcm": "MR_small.dcm", "MR_small_bigendian.dcm": "MR_small.dcm"}
SOP_CLASSES = (SecondaryCaptureImageStorage, MRImageStorage)  # theirs


@dataclass
class Peer:
    port: int
    received: list[Dataset] = field(default_factory=list)  # as decoded by pynetdicom, with the context's syntax
    syntaxes: list[str] = field(default_factory=list)


@dataclass
class Node:
    pacs: PacsProcess
    destination: Peer
    studies: dict[str, str]  # study UID -> file name
    files: dict[str, Path]  # file name -> the file imported


def keep(peer: Peer):  # type: ignore[no-untyped-def]
    def on_store(event: Event) -> int:
        peer.received.append(event.dataset)
        peer.syntaxes.append(str(event.context.transfer_syntax))
        return 0x0000

    return on_store


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root = tmp_path_factory.mktemp("encodings")
    files = {name: Path(get_testdata_file(name)) for name in COMPRESSED}
    big_endian = dcmread(files["MR_small_bigendian.dcm"])  # the same object as MR_small_RLE: new UIDs
    big_endian.StudyInstanceUID, big_endian.SeriesInstanceUID = generate_uid(), generate_uid()
    big_endian.SOPInstanceUID = big_endian.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    files["MR_small_bigendian.dcm"] = root / "MR_small_bigendian.dcm"
    big_endian.save_as(files["MR_small_bigendian.dcm"])
    assert dcmread(files["MR_small_bigendian.dcm"]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"
    assert pypacs_cli("import", *map(str, files.values()), "--data-dir", str(root / "data")).returncode == 0
    studies = {str(dcmread(path).StudyInstanceUID): name for name, path in files.items()}
    destination = Peer(free_port())
    ae = AE(ae_title="PLAINDEST")
    for sop_class in SOP_CLASSES:
        ae.add_supported_context(sop_class, [ExplicitVRLittleEndian])  # nothing compressed
    server = ae.start_server(("127.0.0.1", destination.port), block=False,
                             evt_handlers=[(evt.EVT_C_STORE, keep(destination))])  # fmt: skip
    config = root / "pypacs.toml"
    config.write_text(f'[[remote_aes]]\ntitle = "PLAINDEST"\nhost = "127.0.0.1"\nport = {destination.port}\n')
    pacs = start_pacs(root / "data", "--config", str(config))
    try:
        yield Node(pacs, destination, studies, files)
    finally:
        stop_pacs(pacs)
        server.shutdown()


def study_identifier(study: str) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study
    return identifier


def assert_same_pixels_decompressed(received: Dataset, name: str, node: Node) -> None:
    original = dcmread(node.files[name])
    assert received.SOPInstanceUID == original.SOPInstanceUID  # the same object, only encoded otherwise
    reference = COMPRESSED[name]
    expected = original.pixel_array if reference is None else dcmread(get_testdata_file(reference)).pixel_array
    received.file_meta = Dataset()
    received.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    assert np.array_equal(received.pixel_array, expected)


def test_c_move_decompresses_for_a_destination_that_accepts_no_compressed_syntax(node: Node):
    ae = AE(ae_title="MOVESCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS")
    finals = []
    for study in node.studies:
        responses = list(
            assoc.send_c_move(study_identifier(study), "PLAINDEST", StudyRootQueryRetrieveInformationModelMove)
        )
        finals.append(responses[-1][0])
    assoc.release()
    assert [(f.Status, f.NumberOfCompletedSuboperations, f.NumberOfFailedSuboperations) for f in finals] == [
        (0x0000, 1, 0)
    ] * len(node.studies)
    assert node.destination.syntaxes == [ExplicitVRLittleEndian] * len(node.studies)
    for received, name in zip(node.destination.received, node.studies.values(), strict=True):
        assert_same_pixels_decompressed(received, name, node)


def test_c_get_decompresses_for_a_requestor_that_takes_only_implicit_vr(node: Node):
    got = Peer(0)
    ae = AE(ae_title="GETSCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    roles = []
    for sop_class in SOP_CLASSES:
        ae.add_requested_context(sop_class, [ImplicitVRLittleEndian])
        roles.append(build_role(sop_class, scp_role=True))
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS", ext_neg=roles,
                         evt_handlers=[(evt.EVT_C_STORE, keep(got))])  # fmt: skip
    finals = [list(assoc.send_c_get(study_identifier(study), StudyRootQueryRetrieveInformationModelGet))[-1][0]
              for study in node.studies]  # fmt: skip
    assoc.release()
    assert [(f.Status, f.NumberOfCompletedSuboperations) for f in finals] == [(0x0000, 1)] * len(node.studies)
    assert got.syntaxes == [ImplicitVRLittleEndian] * len(node.studies)
    for received, name in zip(got.received, node.studies.values(), strict=True):
        assert_same_pixels_decompressed(received, name, node)


def test_a_move_destination_that_does_not_answer_is_refused_with_a_comment(node: Node, tmp_path: Path):
    nobody = free_port()
    assert (
        pypacs_cli("ae", "add", "GONE", "127.0.0.1", str(nobody), "--data-dir", str(node.pacs.data_dir)).returncode == 0
    )
    ae = AE(ae_title="MOVESCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS")
    study = next(iter(node.studies))
    for _ in range(50):  # the registry change reaches the running server within a second
        [(final, _identifier)] = list(assoc.send_c_move(study_identifier(study), "GONE",
                                                         StudyRootQueryRetrieveInformationModelMove))  # fmt: skip
        if "cannot associate with GONE" in str(final.get("ErrorComment", "")):
            break
        time.sleep(0.1)
    assoc.release()
    assert final.Status == 0xA801
    assert "cannot associate with GONE" in final.ErrorComment
    assert "Traceback" not in node.pacs.log()


def test_pypacs_store_converts_for_a_peer_that_accepts_no_compressed_or_big_endian_syntax(node: Node):
    peer = Peer(free_port())
    ae = AE(ae_title="PLAINPEER")
    for sop_class in SOP_CLASSES:
        ae.add_supported_context(sop_class, [ExplicitVRLittleEndian])
    server = ae.start_server(("127.0.0.1", peer.port), block=False, evt_handlers=[(evt.EVT_C_STORE, keep(peer))])
    try:
        result = pypacs_cli("store", f"PLAINPEER@127.0.0.1:{peer.port}", *map(str, node.files.values()))
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert f"sent {len(node.files)} of {len(node.files)} file(s)" in result.stdout
    assert peer.syntaxes == [ExplicitVRLittleEndian] * len(node.files)
    for received, name in zip(peer.received, node.files, strict=True):
        assert_same_pixels_decompressed(received, name, node)
