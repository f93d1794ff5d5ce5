"""The helpdesk loop, measured: questions the model hands to the helpdesk are labelled by an agent
in the console, exported as training data, the model is retrained and hot-reloaded, and then the
same questions, and paraphrases of them that were never labelled, are answered, while the
held-out accuracy and the off-topic routing do not drop.

Usage: python bench/helpdesk_loop.py [--questions 30]

Runs the real pieces: the sample event in a SQLite database, ConversationService (the delegates
ask), the helpdesk console over HTTP (an agent logs in and labels each ticket, then presses
"reload the model"), `python -m bot export-training`'s rendering, nlu.train (one training, about a
minute on 2 cores) and RasaInterpreter.reload_if_changed. The retrained model is cached under
models/helpdesk-loop/ by its data hash (a second run reuses it); the serving models/ directory is
never written, so a running bot never picks the bench's model up.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.answers.service import AnswerService  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.conversation.service import ConversationService  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.delegates.service import DelegateService  # noqa: E402
from bot.event.importer import import_event  # noqa: E402
from bot.event.loader import load_event_file  # noqa: E402
from bot.event.service import EventService  # noqa: E402
from bot.helpdesk.accounts import AgentService  # noqa: E402
from bot.helpdesk.export import domain_intents, known_examples, other_training_files, render_training  # noqa: E402
from bot.helpdesk.service import HelpdeskService, labelled_examples  # noqa: E402
from bot.helpdesk.web.app import Console  # noqa: E402
from nlu.evaluate import clinc_queries, held_out_sets, offtopic_sets, oos_rate, routed, score  # noqa: E402
from nlu.interpreter import RasaInterpreter  # noqa: E402
from nlu.train import ensure_model, model_code, training_files  # noqa: E402
from nlu.types import Parse  # noqa: E402

NOW = "2019-09-10T10:15:00+07:00"
PASSWORD = "bench password 2019"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BENCH_MODELS = ROOT / "models" / "helpdesk-loop"

# (the label an agent gives, a question delegates might send, a paraphrase of it that is never labelled).
# In-scope questions in words the training data lacks; the bench takes the first N the model hands off.
QUESTIONS = [
('ask_wifi', 'how do I hop on the net here', 'how can I hop onto the net at the venue'),
    ('ask_wifi', 'my laptop needs a connection, any network for guests?', 'is there a guest network for my laptop'),
    ('ask_wifi', 'gimana caranya nyambung ke jaringan di sini', 'caranya nyambung ke jaringan gimana ya'),
    ('ask_meals', "I'm starving, when do we get fed", "when do we get fed, I'm hungry"),
    ('ask_meals', 'any grub between the sessions?', 'is there grub in between sessions'),
    ('ask_meals', 'laper nih, kapan makan', 'kapan kita makan, lapar banget'),
    ('ask_meals', 'is the food kosher or halal certified', 'is the catering halal certified'),
    ('ask_dress_code', 'can I show up in shorts', 'is it ok to come in shorts'),
    ('ask_dress_code', 'is a sarong acceptable attire', 'may I wear a sarong'),
    ('ask_dress_code', 'boleh pakai kaos oblong gak', 'kaos oblong boleh dipakai?'),
    ('ask_registration', "where's the check-in counter for delegates", 'delegate check-in counter location'),
    ('ask_registration', "I haven't got my lanyard yet, where do I get it", 'where can I get a lanyard'),
    ('ask_registration', 'lanyard saya belum dapat, ambil di mana', 'ambil lanyard di mana ya'),
    ('ask_contact', "who's the focal point for logistics questions", 'focal point for logistics, who is it'),
    ('ask_contact', 'nomor wa panitia berapa ya', 'minta nomor whatsapp panitia'),
    ('ask_contact', 'I need to reach the committee urgently', 'how do I urgently reach the committee'),
    ('ask_venue', 'which building are we meeting in', 'what building is the meeting in'),
    ('ask_venue', 'gedungnya yang mana sih', 'yang mana gedung acaranya'),
    ('ask_venue', 'drop me the pin of the venue', 'send the venue pin please'),
    ('ask_directions', "I'm in a cab, what do I tell the driver", 'what should I tell my taxi driver'),
    ('ask_directions', 'supir grab saya bingung, alamatnya apa', 'alamat buat supir grab apa'),
    ('ask_directions', "what's the quickest way over from Soetta", 'quickest route from Soetta to the hotel'),
    ('ask_agenda', "what's the lineup for the second day", 'lineup of day two'),
    ('ask_agenda', 'rundown acara lengkap dong', 'minta rundown lengkapnya'),
    ('ask_agenda', "what's the plan for the whole event", 'plan of the whole event please'),
    ('ask_now_next', "what's cooking in the ballroom right now", "what's happening in the ballroom at this moment"),
    ('ask_now_next', 'yang lagi tampil sekarang siapa', 'sekarang yang tampil siapa'),
    ('ask_now_next', "what's up after this one", "after this one what's up"),
    ('ask_session', 'when do they ink the agreements', 'what time are the agreements inked'),
    ('ask_session', 'kapan acara tanda tangan kerja samanya', 'tanda tangan kerja sama jam berapa'),
    ('ask_session', "when's the crisis talk", 'crisis talk, what time'),
    ('ask_speakers', "who's on the bill today", "who is on today's bill"),
    ('ask_speakers', 'narsumnya siapa aja', 'siapa saja narsumnya'),
    ('ask_speaker', "what's the story with Pulse Lab", 'tell me the story of Pulse Lab'),
    ('ask_speaker', 'Bu Listiana itu jabatannya apa', 'jabatan Bu Listiana apa'),
    ('ask_exhibition', 'where are the startups showing off their stuff', 'where do the startups show their stuff'),
    ('ask_exhibition', 'ada booth startup gak', 'booth startup ada di mana'),
    ('ask_exhibition', 'I want to see the tech demos', 'where can I see the tech demos'),
    ('set_reminder', 'give me a nudge before the closing', 'nudge me before the closing'),
    ('set_reminder', 'colek aku ya sebelum sesi 3', 'sebelum sesi 3 colek aku'),
    ('set_reminder', "don't let me forget the signing ceremony", "make sure I don't forget the signing ceremony"),
    ('human_handoff', 'let me chat with somebody real', 'I want to chat with somebody real'),
    ('human_handoff', 'bisa sambungin ke mbak atau mas panitia', 'sambungin ke mas panitia dong'),
    ('help', 'what are you good for', 'what are you good at'),
    ('help', 'bot ini fungsinya buat apa', 'fungsi bot ini apa'),
    ('ask_participants', 'are the Kiwis here', 'is the Kiwi delegation here'),
    ('ask_participants', 'berapa delegasi yang datang', 'delegasi yang datang ada berapa'),
    ('ask_event_info', "what's the big idea behind this gathering", 'what is the big idea of this gathering'),
    ('ask_event_info', 'acara ini intinya apa', 'inti acara ini apa'),
    ('ask_nearby', 'any place to grab cash around', 'where can I grab some cash around here'),
    ('ask_nearby', 'is there a 7-eleven nearby', 'any 7-eleven near the hotel'),
    ('ask_nearby', 'apotek deket sini ada gak', 'ada apotek deket hotel'),
    ('change_language', 'talk to me in bahasa please', 'please talk to me in bahasa'),
    ('change_language', 'ganti ke english dong', 'english aja dong'),
    ('thank', 'cheers for that', 'cheers for the help'),
    ('thank', 'suwun ya', 'suwun banyak'),
    ('greet', "yo what's good", "yo, what's good bot"),
    ('goodbye', "I'm outta here", "ok I'm outta here now"),
    ('ask_meals', 'coffee machine where', "where's the coffee machine"),
    ('ask_wifi', 'net password pls', 'pls net password'),
    ('ask_registration', 'do I get a name badge on site', 'name badges on site?'),
    ('ask_dress_code', 'tie or no tie', 'is a tie needed or not'),
    ('ask_session', 'how long does the general debate go on for', 'how long is the general debate'),
    ('ask_speaker', "who's the DG from the ministry", 'which DG is from the ministry'),
    ('ask_wifi', 'is there complimentary broadband for attendees', 'do attendees get complimentary broadband'),
    ('ask_wifi', "my gadget won't get online, which hotspot do I pick", 'which hotspot should my gadget pick'),
    ('ask_wifi', 'koneksi inet buat peserta apa namanya', 'nama koneksi inet peserta apa'),
    ('ask_meals', 'where do they serve the buffet', "where's the buffet served"),
    ('ask_meals', 'will there be nibbles at the break', 'any nibbles during the break'),
    ('ask_meals', 'is there any catering for vegans', 'vegan catering available?'),
    ('ask_meals', 'ada konsumsi gak buat peserta', 'peserta dapat konsumsi?'),
    ('ask_dress_code', 'is it black tie tonight', 'black tie for tonight?'),
    ('ask_dress_code', 'do gentlemen need a blazer and cravat', 'blazer and cravat for gentlemen?'),
    ('ask_dress_code', 'kostum apa yang cocok buat acara ini', 'kostum yang pas buat acara apa'),
    ('ask_registration', 'where do I sign the attendance sheet', 'attendance sheet, where do I sign'),
    ('ask_registration', "my accreditation pass isn't ready, who prints it", 'who prints the accreditation passes'),
    ('ask_registration', 'absen kehadiran di mana', 'absennya di mana ya'),
    ('ask_contact', 'is there a hotline for delegates', 'delegate hotline number?'),
    ('ask_contact', 'who manages the event, I want to send a complaint', 'where do I send a complaint about the event'),
    ('ask_contact', 'narahubung acaranya siapa', 'siapa narahubung acara'),
    ('ask_venue', "where's this shindig happening", 'where is the shindig'),
    ('ask_venue', 'coordinates of the conference hotel', 'conference hotel coordinates'),
    ('ask_venue', 'acaranya digelar di hotel apa', 'hotel tempat acara digelar apa'),
    ('ask_directions', "I'm on the toll road, which exit for the hotel", 'which toll exit for the hotel'),
    ('ask_directions', 'can I walk from Senayan MRT station', 'is it walkable from the MRT station'),
    ('ask_directions', 'naik transjakarta turun di halte mana', 'halte transjakarta terdekat ke hotel'),
    ('ask_directions', 'valet or self parking at the hotel', 'is there self parking at the hotel'),
    ('ask_agenda', "what's the itinerary for wednesday", 'wednesday itinerary please'),
    ('ask_agenda', 'susunan acara lusa gimana', 'gimana susunan acara lusa'),
    ('ask_agenda', 'send me the timetable for the whole conference', 'timetable of the whole conference please'),
    ('ask_now_next', 'which panel is live at the moment', 'what panel is live now'),
    ('ask_now_next', 'lagi bahas apa di panggung', 'di panggung lagi bahas apa'),
    ('ask_session', 'when do they unveil the regional network', 'what time is the regional network unveiled'),
    ('ask_session', 'how many hours is the closing plenary', 'how long is the closing plenary'),
    ('ask_session', 'penutupan acaranya sampai jam berapa', 'jam berapa penutupan selesai'),
    ('ask_speakers', 'who are the panelists for the digital economy bit', 'panelists for the digital economy part?'),
    ('ask_speakers', 'which dignitaries give remarks', 'who among the dignitaries gives remarks'),
    ('ask_speakers', 'yang ngisi materi siapa aja', 'pengisi materinya siapa saja'),
    ('ask_speaker', 'background of DiploFoundation?', "what's DiploFoundation's background"),
    ('ask_speaker', 'is the Australian DFAT rep speaking', 'does the DFAT representative speak'),
    ('ask_speaker', 'profil Pak Dirjen dong', 'minta profil Pak Dirjen'),
    ('ask_exhibition', 'which booths are at the showcase', 'what booths does the showcase have'),
    ('ask_exhibition', 'what are the startups pitching', 'what do the startups pitch'),
    ('ask_exhibition', 'pamerannya buka sampai sore?', 'sampai sore pamerannya buka?'),
    ('set_reminder', 'buzz me ten minutes before the opening', 'buzz me before the opening'),
    ('set_reminder', 'alert me when the economic panel kicks off', 'alert me at the start of the economic panel'),
    ('set_reminder', 'tolong alarm-in sebelum penutupan', 'alarm-in aku sebelum penutupan'),
    ('human_handoff', 'escalate this to a staff member', 'please escalate to staff'),
    ('human_handoff', "I'd like to speak with an officer in charge", 'officer in charge please'),
    ('human_handoff', 'mau komplain langsung ke orang', 'komplain ke orangnya langsung'),
    ('help', 'what features do you have', 'which features are there'),
    ('help', 'how do I use you properly', 'proper way to use you?'),
    ('help', 'fiturnya apa aja sih', 'ada fitur apa aja'),
    ('ask_participants', 'how many nations sent people', 'how many nations are represented by people here'),
    ('ask_participants', 'is Laos represented', 'Laos represented?'),
    ('ask_participants', 'pesertanya dari negara mana aja', 'negara asal pesertanya apa saja'),
    ('ask_event_info', "what's this summit all about", 'what is the summit about'),
    ('ask_event_info', "who's the host country and ministry", 'which ministry hosts it'),
    ('ask_event_info', 'apa tujuan diadakannya pertemuan ini', 'pertemuan ini tujuannya apa'),
    ('ask_nearby', 'where can I buy toiletries nearby', 'toiletries shop nearby?'),
    ('ask_nearby', 'nearest mosque for friday prayers', 'mosque for friday prayer near here'),
    ('ask_nearby', 'tempat tukar valas terdekat', 'valas terdekat di mana'),
    ('thank', 'much obliged', 'much obliged, thanks'),
    ('thank', 'makasih banget infonya', 'infonya makasih banget'),
    ('goodbye', 'ta-ta for now', 'ta-ta'),
    ('goodbye', 'udahan dulu ya', 'udahan ya'),
    ('greet', 'greetings from the Bruneian delegation', "hello from Brunei's delegation"),
    ('change_language', 'can you reply in bahasa melayu', 'reply in malay please'),
]


async def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(await (await client.get(path)).text())
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def _project_copy(into: Path) -> Path:
    """The NLU inputs of the project (training data, config, component code), to retrain apart."""
    for path in [*training_files(ROOT), *model_code(ROOT)]:
        target = into / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return into


class Figures:
    def __init__(self, interpreter: RasaInterpreter) -> None:
        self.interpreter = interpreter

    async def parses(self, texts: list[str]) -> list[Parse]:
        return [await self.interpreter.parse(t) for t in texts]

    async def answered(self, items: list[tuple[str, str]]) -> float:
        parses = await self.parses([text for _, text in items])
        return sum(routed(p) == label for (label, _), p in zip(items, parses, strict=True)) / len(items)

    async def held_out(self) -> dict[str, float]:
        out = {}
        for lang, examples in held_out_sets().items():
            out[lang] = score(examples, await self.parses([ex.text for ex in examples])).accuracy
        return out

    async def off_topic(self) -> dict[str, float]:
        sets = {name.removesuffix(".txt"): qs for name, qs in clinc_queries().items()}
        sets.update({f"offtopic/{name}": qs for name, qs in offtopic_sets().items()})
        return {name: oos_rate(await self.parses(qs)) for name, qs in sets.items()}


async def run(count: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="helpdesk-loop-"))
    try:
        return await _run(count, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _run(count: int, work: Path) -> int:
    from datetime import datetime

    serving = work / "serving"
    serving.mkdir()
    current = ensure_model(quiet=True)
    shutil.copyfile(current, serving / current.name)
    interpreter = RasaInterpreter.load(serving / current.name, serving)
    clock = ManualClock(datetime.fromisoformat(NOW))
    database = Database(f"sqlite:///{work / 'bench.db'}")
    await database.migrate()
    await import_event(database, load_event_file(ROOT / "data" / "event.yml"), clock.now())
    events, delegates = EventService(database), DelegateService(database, ("en", "id"), "en")
    conversation = ConversationService(database, interpreter, AnswerService(events, clock.now), clock.now)
    helpdesk = HelpdeskService(database, events, delegates, interpreter, clock.now, None, domain_intents())
    agents = AgentService(database, clock.now)
    figures = Figures(interpreter)

    # 1. Delegates ask; the questions the model cannot answer become tickets.
    tickets: list[tuple[int, str, str, str]] = []
    for user_id, (label, question, paraphrase) in enumerate(QUESTIONS, start=5000):
        delegate = await delegates.seen(user_id, user_id, clock.now(), first_name="Delegate", language_code="en")
        handled = await conversation.handle(delegate, question)
        if handled.ticket_id is not None:
            tickets.append((handled.ticket_id, label, question, paraphrase))
        if len(tickets) == count:
            break
    print(f"{len(tickets)} of the first {user_id - 4999} questions went to the helpdesk")
    if len(tickets) < count:
        print(f"fewer than {count}: the model answers the others already")
    questions = [(label, q) for _, label, q, _ in tickets]
    paraphrases = [(label, p) for _, label, _, p in tickets]
    before = (await figures.answered(questions), await figures.answered(paraphrases), await figures.held_out(), await figures.off_topic())

    # 2. An agent labels them in the console, as in the browser (login, CSRF, one form per ticket).
    await agents.add("bench", PASSWORD)
    console = Console(helpdesk, agents, reload_model=lambda: interpreter.reload_if_changed(serving))
    async with TestClient(TestServer(console.application())) as client:
        token = await _csrf(client, "/login")
        response = await client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": token}, allow_redirects=False)
        assert response.status == 302, "login failed"
        token = await _csrf(client, "/tickets")
        for ticket_id, label, _, _ in tickets:
            response = await client.post(f"/tickets/{ticket_id}/label", data={"label": label, "csrf": token}, allow_redirects=False)
            assert response.status in (302, 303), f"labelling ticket {ticket_id}: {response.status}"

        # 3. Export (what `python -m bot export-training` writes) into a copy of the project; retrain.
        project = _project_copy(work / "project")
        target = project / "data" / "nlu" / "helpdesk.yml"
        exported = render_training(await labelled_examples(database), domain_intents(), known_examples(other_training_files(target, project)))
        target.write_text(exported.content, encoding="utf-8")
        print(f"exported {exported.count} example(s) in {len(exported.examples)} intent(s); skipped {len(exported.skipped)}")
        started = time.perf_counter()
        retrained = ensure_model(project, BENCH_MODELS, quiet=True)
        train_s = time.perf_counter() - started
        shutil.copyfile(retrained, serving / retrained.name)  # what `make train` leaves in models/

        # 4. The agent presses "reload the model": the running interpreter swaps it in.
        started = time.perf_counter()
        response = await client.post("/model/reload", data={"csrf": token}, allow_redirects=False)
        reload_s = time.perf_counter() - started
        assert "model_reloaded" in response.headers.get("Location", ""), response.headers.get("Location")
    assert interpreter.model_path.name == retrained.name
    after = (await figures.answered(questions), await figures.answered(paraphrases), await figures.held_out(), await figures.off_topic())

    print(f"retrained in {train_s:.0f} s (0 s when cached), reloaded in {reload_s:.1f} s: {retrained.name}")
    print(f"\n{'':<40} {'before':>8} {'after':>8}")
    print(f"{'labelled questions answered as labelled':<40} {before[0]:>8.1%} {after[0]:>8.1%}")
    print(f"{'paraphrases (never labelled) answered':<40} {before[1]:>8.1%} {after[1]:>8.1%}")
    for lang in before[2]:
        print(f"{'held-out accuracy ' + lang:<40} {before[2][lang]:>8.3f} {after[2][lang]:>8.3f}")
    for name in before[3]:
        print(f"{'off-topic routed ' + name:<40} {before[3][name]:>8.1%} {after[3][name]:>8.1%}")
    await interpreter.close()
    await database.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.questions))


if __name__ == "__main__":
    sys.exit(main())
