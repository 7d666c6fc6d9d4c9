"""What a Datastream measures, read from what other servers write (domain/vocabulary.py)."""
import pytest

from domain.parameters import PARAMETERS
from domain.vocabulary import fold, from_definition, match_parameter, unit_symbol


@pytest.mark.parametrize("name,parameter", [
    ("Oxy hòa tan (DO)", "do"), ("OXY HOA TAN", "do"), ("Dissolved Oxygen", "do"), ("DO", "do"),
    ("Bụi PM2.5", "pm25"), ("PM 2.5", "pm25"), ("pm2_5", "pm25"), ("Bụi PM10", "pm10"),
    ("Mực nước sông", "water_level"), ("Mực  nước", "water_level"), ("Water Level", "water_level"),
    ("Nhiệt độ không khí", "air_temp"), ("Độ ẩm không khí", "humidity"), ("Relative humidity (RH)", "humidity"),
    ("Nhiệt độ nước", "water_temp"), ("Amoniac (NH₃)", "nh3"), ("Cacbon monoxit (CO)", "co"),
    ("Lượng mưa (10 phút)", "rainfall"), ("Độ mặn (‰)", "salinity"),
])
def test_names_in_vietnamese_and_english(name, parameter):
    assert match_parameter(name).parameter == parameter


def test_every_parameter_is_found_by_its_own_names():
    for code, p in PARAMETERS.items():
        for name in (code, p.vi, p.en):
            assert match_parameter(name).parameter == code, name


@pytest.mark.parametrize("definition,parameter", [
    ("https://vocab.quantrac.vn/op/do", "do"), ("http://example.org/def/op/do/", "do"),
    ("http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001", "pm25"),
    ("http://www.qudt.org/qudt/owl/1.0.0/quantity/Instances.html#AreaTemperature", "air_temp"),
    ("https://qudt.org/vocab/quantitykind/RelativeHumidity", "humidity"),
    ("urn:ogc:def:property:OGC:rainfall", "rainfall"),
    ("http://vocab.nerc.ac.uk/collection/P01/current/TEMPPR01/", "water_temp"),
])
def test_definition_uris_decide_alone(definition, parameter):
    assert match_parameter("Kênh 3", definition).parameter == parameter


def test_name_and_definition_must_agree_and_the_unit_must_fit():
    temp = "https://qudt.org/vocab/quantitykind/Temperature"
    assert match_parameter("Nhiệt độ", temp, "°C").reason == "ambiguous_parameter"
    assert match_parameter("Nhiệt độ nước", temp, "°C").parameter == "water_temp"   # the name settles it
    assert match_parameter("Mực nước", "http://x.org/op/do").reason == "name_definition_disagree"
    assert match_parameter("Mực nước", None, "mg/L").reason == "unit_mismatch"
    assert match_parameter("Mực nước sông", None, "cm").parameter == "water_level"
    assert match_parameter("Điện áp pin (V)", None, "V").reason == "unknown_parameter"
    assert match_parameter(None).reason == "unknown_parameter"


def test_fold_and_units():
    assert fold("Bụi PM2.5") == "buipm25" and fold("Đường") == "duong" and fold("NH₃") == "nh3"
    assert unit_symbol("Cel") == "°C" and unit_symbol("[degF]") == "°F" and unit_symbol("ug/m3") == "µg/m³"
    assert unit_symbol(None, "Degree Celsius") == "°C" and unit_symbol("", "centimetre") == "cm"
    assert unit_symbol("V") == "V" and unit_symbol(None) is None
    assert from_definition("not a uri at all ::") == set()
