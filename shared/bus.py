"""The broker: connections, the events exchange and each service's queues."""

from __future__ import annotations

from kombu import Connection, Exchange, Queue, binding

from shared.settings import Settings


def is_amqp(url: str) -> bool:
    """Tell whether the broker URL points at RabbitMQ rather than an embedded transport."""
    return url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


def connect(settings: Settings) -> Connection:
    """Open (lazily) a connection to the broker with the options the backbone relies on."""
    if is_amqp(settings.broker_url):
        return Connection(
            settings.broker_url,
            heartbeat=30,
            connect_timeout=5,
            transport_options={"confirm_publish": True, "max_retries": 1},
        )
    url = settings.broker_url
    if url.rstrip("/") == "memory:":
        url = "memory://localhost//"  # a named host, or kombu warns each time the consumer reconnects
    # The embedded transports poll; the default 1 s interval makes every event wait ~0.5 s.
    return Connection(url, transport_options={"polling_interval": settings.memory_polling_interval})


def events_exchange(settings: Settings) -> Exchange:
    """Return the one durable topic exchange all events are published to."""
    return Exchange(settings.exchange, type="topic", durable=True)


def dead_letter_exchange(settings: Settings) -> Exchange:
    """Return the exchange RabbitMQ moves a message to once its delivery limit is reached."""
    return Exchange(settings.dead_letter_exchange, type="direct", durable=True)


def dead_letter_queue_name(settings: Settings, service: str) -> str:
    return f"{settings.queue_prefix}{service}.dead"


def service_queue(settings: Settings, service: str, event_types: list[str]) -> Queue:
    """Return a service's durable queue, bound to the event types it handles."""
    exchange = events_exchange(settings)
    name = settings.queue_name(service)
    arguments = None
    if is_amqp(settings.broker_url):
        # A quorum queue counts deliveries, so a message that kills the worker every time it is
        # handled is dead-lettered after delivery_limit tries instead of looping for ever.
        arguments = {
            "x-queue-type": "quorum",
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": settings.dead_letter_exchange,
            "x-dead-letter-routing-key": name,
        }
    return Queue(
        name,
        bindings=[binding(exchange, routing_key=event_type) for event_type in sorted(event_types)],
        durable=True,
        auto_delete=False,
        queue_arguments=arguments,
    )


def dead_letter_queue(settings: Settings, service: str) -> Queue:
    """Return the queue holding a service's messages that RabbitMQ gave up delivering."""
    return Queue(
        dead_letter_queue_name(settings, service),
        exchange=dead_letter_exchange(settings),
        routing_key=settings.queue_name(service),
        durable=True,
        auto_delete=False,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_topology(channel, settings: Settings, service: str, event_types: list[str]) -> None:
    """Declare the exchange, the service's queue and (on RabbitMQ) its dead-letter queue."""
    events_exchange(settings)(channel).declare()
    service_queue(settings, service, event_types)(channel).declare()
    if is_amqp(settings.broker_url):
        dead_letter_exchange(settings)(channel).declare()
        dead_letter_queue(settings, service)(channel).declare()
