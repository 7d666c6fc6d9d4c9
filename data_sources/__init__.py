"""One adapter per protocol. Adapters speak HTTP and parse; they never touch the store."""
from data_sources.base import Adapter
from data_sources.frigate import FrigateAdapter
from data_sources.indicators import IndicatorFeedAdapter
from data_sources.open311 import Open311Adapter
from data_sources.sensorthings import SensorThingsAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "sensorthings": SensorThingsAdapter,
    "frigate": FrigateAdapter,
    "open311": Open311Adapter,
    "indicators": IndicatorFeedAdapter,
}
