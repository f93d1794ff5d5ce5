"""A small valid event file that tests bend into each kind of mistake."""

MINIMAL_EVENT = """\
event:
  id: demo
  name: {en: Demo Conference, id: Konferensi Demo}
  host: Host Ministry
  organiser: Host Ministry
  description: {en: A demo., id: Sebuah demo.}
  timezone: Asia/Jakarta
  languages: [en, id]
  default_language: en
venue:
  name: Demo Hotel
  address: Jl. Demo 1, Jakarta
  latitude: -6.2
  longitude: 106.8
  directions: Take a taxi.
  transport: Taxis at the airport.
rooms:
  - id: hall
    name: Main Hall
  - id: side
    name: Side Room
days:
  - id: day-1
    date: 2019-09-10
    label: {en: Day 1, id: Hari pertama}
speakers:
  - id: ana
    name: Ana Putri
    aliases: [Bu Ana]
sessions:
  - id: opening
    number: 1
    title: {en: Opening, id: Pembukaan}
    kind: ceremony
    start: 2019-09-10 09:00
    end: 2019-09-10 10:00
    room: hall
    speakers: [ana]
  - id: talk
    title: Talk
    kind: session
    start: 2019-09-10 10:00
    end: 2019-09-10 11:00
    room: hall
faq:
  - id: wifi
    topic: wifi
    question: What is the Wi-Fi?
    answer: Network DEMO, password demo123.
"""
