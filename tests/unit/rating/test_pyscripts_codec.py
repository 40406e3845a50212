import hashlib

from cloudkitty.rating.pyscripts import codec


def test_round_trip_of_non_ascii_source():
    source = "price = 'é€'\n"

    assert codec.decompress(codec.compress(source)) == source


def test_checksum_is_sha512_of_utf8_source():
    assert codec.checksum('a = 0') == hashlib.sha512(b'a = 0').hexdigest()
    assert len(codec.checksum('')) == 128
