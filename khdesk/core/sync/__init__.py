"""Signed, encrypted sync bundles between stations (resources/sync/FORMAT.md).

keys      this station's key pairs, enrolled peers, fingerprints, cards, rotation
canonical the one JSON form that is signed and the strict parser that reads it back
records   which tables and fields travel, and their wire form
bundle    the file format: header, HPKE layer, signed manifest, the archive's limits
outbox    writing a bundle for a recipient: selection, sequence and epoch, safe writing
inbox     verifying and importing bundles: the ledger, epochs, one transaction each
merge     merging a bundle's records: one writer per record, revisions, conflicts
station   what sync needs of an open profile (a Protocol services.session.Session meets)
judging   which catalogue judges here: the installed one read back, or the shipped one
"""
