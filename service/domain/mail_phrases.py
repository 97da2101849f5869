"""What people write around what they mean: greetings ("Hi Mia,"), sign-offs ("Thanks,",
"Cheers, Rob") and acknowledgements ("Great, thanks!", "👍"), in the languages Outlook's
users write them. Pure. ``service.domain.mail_reply`` cuts a mail's signature with them and
``service.domain.topic_lines`` leaves them out of its topics."""

from __future__ import annotations

import re
from collections.abc import Sequence

SIGNATURE_LINE_CHARS = 60  # longer is a sentence, not a signature's or a sign-off's line


# The day a closing "See you Tuesday" names, or how soon ("Bis morgen", "À bientôt").
_DAYS = (r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|montag|dienstag"
         r"|mittwoch|donnerstag|freitag|samstag|sonntag|morgen|maandag|dinsdag|woensdag"
         r"|donderdag|vrijdag|zaterdag|zondag|lundi|mardi|mercredi|jeudi|vendredi|samedi"
         r"|dimanche|demain|lunes|martes|miércoles|jueves|viernes|sábado|domingo|mañana"
         r"|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|domani|måndag|tisdag"
         r"|onsdag|torsdag|fredag|lördag|söndag|imorgon|i morgon")
# "See you Tuesday", "Speak then", "Bis Dienstag", "Tot dan", "À mardi", "Hasta el martes",
# "A domani", "Vi ses på tisdag": a whole line of one closes a mail as "Thanks," does (the
# longer forms first: the first that matches is the one the tail is measured after).
_SEE_YOU = (
    rf"(see you|speak|talk|chat|catch you|(speak|talk) to you|until|till)( on| at| in)?"
    rf"( the)? ({_DAYS}|then|soon|later|next week|shortly|in a bit|meeting)|see you"
    rf"|(bis|wir sehen uns|wir hören uns)( am)? ({_DAYS}|dann|bald|später|gleich"
    rf"|nächste woche)|tot (ziens|{_DAYS}|dan|straks|snel|zo|volgende week)"
    rf"|à ({_DAYS}|bientôt|plus tard|tout à l'heure|la semaine prochaine)"
    rf"|(hasta|nos vemos)( el)? ({_DAYS}|pronto|luego|la próxima semana)|nos vemos"
    rf"|a ({_DAYS}|presto|dopo)|ci (vediamo|sentiamo)( ({_DAYS}|presto|dopo))?"
    rf"|vi (ses|hörs)( på)?( ({_DAYS}|snart|sen))?")
# A sign-off: the whole line is one of these words, then nothing but punctuation, or a name
# after a separator ("Cheers, Rob", "Thanks - Mia"). The ``named`` ones also take a
# capitalised name without one ("Thanks Mia!", "Viele Grüße Rob"): the others start ordinary
# lines too ("Best Practice", "See you Friday about the budget").
_SIGN_OFF = re.compile(
    r"^\s*(?:(?P<named>thanks( again| a lot| so much| very much| in advance)?"
    r"|thank you( so much| very much| again| in advance)?|many thanks|cheers|thx"
    r"|with thanks|best wishes|all the best|(kind|best|warm|warmest|many)? ?regards"
    r"|mit freundlichen grüßen|(viele|liebe|beste|herzliche|schöne) grüße|danke( schön| sehr)?"
    r"|vielen dank|cordialement|merci( beaucoup| bien)?|bien à vous|met vriendelijke groet(en)?"
    r"|(hartelijke |vriendelijke )?groet(en|jes)|bedankt|dank je( wel)?|dank u( wel)?|saludos"
    r"|(muchas )?gracias|un saluto|cordiali saluti|grazie( mille)?|(vänliga )?hälsningar"
    r"|tack( så mycket)?|med venlig hilsen|tak|takk)"
    rf"|(?P<plain>{_SEE_YOU}|best|rgds|br|kr|ta|speak soon|talk soon|sincerely"
    r"|yours( sincerely| truly)?))\b(?P<tail>.*)$", re.I)
_NAME_SEPARATOR = re.compile(r"^\s*[.!]*\s*[,\-–—~]")
_NAME_WORD = re.compile(r"^[\w.'’-]+$")
_GROUP = frozenset({"all", "everyone", "everybody", "team", "both", "folks", "guys", "there"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_GREETING_WORDS = (r"(hi|hiya|hello|hey|dear|good (morning|afternoon|evening)|hallo"
                   r"|guten (morgen|tag)|bonjour|salut|hola|buenos días|ciao|buongiorno|hoi"
                   r"|goedemorgen|hej)")
_GREETING = re.compile(rf"^\s*{_GREETING_WORDS}(?P<name>(\s+[\w.'’-]+){{0,2}})"
                       r"\s*(?P<end>[,!.:]?)\s*$", re.I)
# "Hi Mia, thanks!": a greeting and a sign-off on one line.
_GREETING_THEN = re.compile(rf"^\s*{_GREETING_WORDS}(?P<name>(\s+[\w.'’-]+){{0,2}}?)"
                            r"\s*[,!.\-–—]+\s*(?P<rest>\S.*)$", re.I)
# A line that only acknowledges (see is_acknowledgement) has one of these words, and words
# of the second set around it at most ("IT" alone is a topic, "Got it" is not).
_ACK_WORDS = frozenset({
    "ok", "okay", "great", "perfect", "thanks", "thank", "thx", "ty", "cheers", "noted",
    "cool", "nice", "lovely", "brilliant", "super", "awesome", "excellent", "fantastic",
    "wonderful", "amazing", "fab", "understood", "received", "appreciated", "got", "sure",
    "danke", "merci", "parfait", "gracias", "perfecto", "bedankt", "prima", "grazie",
    "perfetto", "tack", "obrigado", "obrigada",
})
_ACK_AROUND = frozenset({
    "it", "sounds", "good", "fine", "all", "you", "so", "very", "much", "many", "again",
    "a", "lot", "that's", "thats", "looks",
})


def is_sign_off(line: str) -> bool:
    """Whether the whole line is a sign-off ("Thanks!", "Kind regards,", "Cheers, Rob",
    "Thanks Mia!", "Cheers -"), not a line that starts with one's words ("Thanks for the
    feedback", "Best practice")."""
    if len(line.strip()) > SIGNATURE_LINE_CHARS:
        return False
    match = _SIGN_OFF.match(line)
    if match is None:
        return False
    tail = match["tail"]
    name = _EDGES.sub("", tail).split()
    if not name:
        return True
    if len(name) > 3 or not all(_NAME_WORD.match(word) for word in name):
        return False
    if _NAME_SEPARATOR.match(tail):
        # A name ("Cheers, Rob", "thanks - rob", "Thanks, all") or a second sign-off
        # ("Thanks, speak soon"), not any words: "Thanks - pay review" ends with a topic.
        return (len(name) == 1 or is_name(name)
                or is_sign_off(_NAME_SEPARATOR.sub("", tail, count=1)))
    # Without a separator only a capitalised name counts: "Thanks! Promotion timeline" and
    # "Thanks for the feedback" are topics.
    return (match["named"] is not None and re.match(r"\s+\w", tail) is not None
            and is_name(name))


def is_greeting(line: str) -> bool:
    """Whether the line only greets: "Hi Mia,", "Dear all", "Hi Mia, thanks!". Words after
    the greeting are a name when capitalised or ended by a comma ("hello world project"
    is a topic)."""
    match = _GREETING.match(line)
    if match is not None:
        return bool(match["end"] and match["end"] != ".") or is_name(match["name"].split())
    match = _GREETING_THEN.match(line)
    return (match is not None and is_name(match["name"].split())
            and is_sign_off(match["rest"]))


def is_opener(line: str) -> bool:
    """A line that greets, thanks or acknowledges, and says nothing else."""
    return is_greeting(line) or is_sign_off(line) or is_acknowledgement(line)


def is_acknowledgement(line: str) -> bool:
    """Whether the line only acknowledges ("Great, thanks!", "Got it", "OK", "👍"): what a
    person answers an acknowledgement with, never a topic, a comment or a note."""
    text = line.strip()
    if not text or len(text) > SIGNATURE_LINE_CHARS:
        return False
    words = re.findall(r"[^\W_]+(?:['’][^\W_]+)*", text.casefold())
    if not words:
        return True  # only emoji or punctuation
    return (any(word in _ACK_WORDS for word in words)
            and all(word in _ACK_WORDS or word in _ACK_AROUND for word in words))


def is_name(words: Sequence[str]) -> bool:
    return all(_NAME_WORD.match(word) and (word[:1].isupper() or word.lower() in _GROUP)
               for word in words)


# -- around a mail's topics ------------------------------------------------------------------

# What a reply to "what would you like to talk about?" opens with besides a greeting: thanks
# for the question, "Good question", "Hope you're well" (a clause each, punctuation and case
# aside; the object of the thanks is named, as "Thanks for the feedback on my talk" is a topic).
_OPENING = re.compile(
    r"((many )?(thanks|thank you|thx|cheers)( so much| a lot| very much)? for (asking|checking"
    r"( in)?|the (reminder|nudge|prompt|e-?mail|mail|message|note|invite|invitation|question)"
    r"|reaching out|getting in touch|sending this|this|that)|(good|great|fair) question"
    r"|sure( thing)?|of course|absolutely|yes please|happy to|here (you go|goes|they are)"
    r"|as (requested|asked)|(i )?hope (you're|you are|all is|everything is|this finds you)"
    r"( doing)?( all)? (well|good|great|ok)|hope you (had|have) (a|an) (good|great|nice"
    r"|lovely) (weekend|week|day|break|holiday)"
    r"|danke (für die|der) (nachfrage|erinnerung|mail|e-mail|nachricht)|gute frage|klar"
    r"|gerne|gern|(ich )?hoffe (es geht dir gut|dir geht's gut|alles ist gut)"
    r"|(bedankt|dank( je| u)?( wel)?) voor (het vragen|de herinnering|je (mail|bericht|vraag)"
    r"|uw (mail|bericht))|goede vraag|(ik )?hoop dat (alles goed (is|gaat)|het goed( met je)?"
    r" gaat)|merci (pour|de) (la question|le rappel|ton message|votre message|ton mail"
    r"|votre mail|demander)|bonne question|j'espère que (tu vas|vous allez) bien"
    r"|gracias por (preguntar|el recordatorio|tu (correo|mensaje))|buena pregunta"
    r"|espero que (estés|estes|esté|este) bien|grazie (per|della) (aver chiesto|la domanda"
    r"|il promemoria|la mail|il messaggio)|(bella|buona) domanda|spero (che )?tu stia bene"
    r"|tack för (att du frågar|påminnelsen|mejlet|mailet|frågan)|bra fråga"
    r"|hoppas (allt är bra|du mår bra))")
# What closes a reply after its topics: "Let me know if you need anything", "No rush", "That's
# all from me". Whole fixed clauses only, never "let me know if" and whatever follows: "Let me
# know about the budget" and "Let me know if you can sign off my course" are topics.
_CLOSING = re.compile(
    r"(let me know( if you (need|want) anything( else)?( from me)?| if you have any (other "
    r"|more |further )?(questions|thoughts)| if (that|this|it) (works|is ok|is okay|is fine"
    r"|suits)( for you)?| if there's anything( else)?( you need)?| if there is anything"
    r"( else)?( you need)?| if anything changes| what you think| your thoughts)?"
    r"|happy to (chat|discuss|talk)( more| further)?( about (it|this|these|them"
    r"|any of (it|this|these|them)))?|(i'm )?looking forward to (it|that|our (chat"
    r"|catch-up|catch up|1-2-1|1:1|meeting)|the meeting|seeing you|catching up)"
    r"|no (rush|hurry)|nothing urgent|not urgent|that's (all|it)( from me| for now| for me)?"
    r"|(hope )?(that|this) (helps|makes sense|is ok|works)|(i )?hope (you're|you are|all is"
    r"|everything is)( doing)?( all)? (well|good|great|ok)|(have a|enjoy the) (good |great "
    r"|nice |lovely )?(weekend|day|evening|week)|(ich )?freue mich( schon)?"
    r"( drauf| darauf)?|das (wär|wäre|war)'?s( von mir)?|keine eile|(ik )?kijk er naar uit"
    r"|dat was (het|alles)( van mijn kant| van mij)?|geen haast|c'est tout( pour moi"
    r"| de mon côté)?|rien d'urgent|pas d'urgence|eso es todo( por mi parte)?|sin prisa"
    r"|nada urgente|(è|e') tutto( da parte mia)?|nessuna fretta|niente di urgente"
    r"|det var allt( från mig)?|ingen brådska|ser fram emot det"
    # "Nothing from me this time", "No topics from me", "All good here": a reply that has no
    # topic is none, not one worded "nothing" (English only: whole clauses, as above).
    r"|(i have |i've got |i've )?nothing( (else|more|new|much|special|in particular|specific"
    r"|to add|to raise|to discuss|from me))*( (from|on) my (side|end)| here| from me)?"
    r"( (this|for) (time|now|week|one|today))?|no (new |other )?topics( from me)?"
    r"( (this|for) (time|now|week|one))?|all good( (here|from me|on my (side|end)))?)")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A lead-in ("A couple of things from me:", "Mijn punten:", "Voici mes sujets :") is made of
# these words only: what names topics (_LEAD_NOUNS: things, points; "from me"), what talks
# about them (_LEAD_VERBS: discuss), and the small words around them. A word of its own
# ("Topics from the retro:", "Budget:", "Meetings:") makes a line a heading that says what
# its items are about.
_LEAD_NOUNS = _word_set("""
things thing points point topics topic items item questions question agenda list stuff bits
ideas thoughts matters mine
punkte punkt themen thema dinge sachen fragen liste meinerseits
punten onderwerpen onderwerp dingen zaken vragen agendapunten lijst
sujets sujet choses temas tema puntos punto cosas preguntas asuntos
punti argomenti argomento cose domande temi punkter saker ämnen ämne frågor
""")
_LEAD_VERBS = _word_set("""
discuss cover raise talk chat mention bring besprechen ansprechen reden bespreken aborder
discuter parler hablar comentar tratar parlare discutere diskutera prata
""")
_LEAD_SMALL = _word_set("""
a an the some few couple of two three four five several here here's heres are is it my our
for from me i i'd id would like want wanted to with you we could can should also and plus
just quick main following below these those as follows this that more other up on in at
about please so ok okay well then oh ps finally lastly there be have got i've ive mind ones
one go through over
hier sind ist ein eine einige paar zwei drei meine mein meiner unsere unser für von mir ich
würde möchte gerne gern noch und auch das die der den dem zu am im mit dir euch kurz
folgende folgendes diesmal mal
zijn een enkele twee drie mijn onze ons voor van mij wil zou graag het de en ook nog dit
deze met je jou wat er
voici voilà quelques deux trois mes nos pour du des moi ma mon je j aimerais voudrais la le
les l un une et aussi à notre ce cette en avec toi vous d encore
aquí aqui van unos unas algunos algunas dos tres mis nuestros para por mi yo gustaría
quiero quería y también un con del el los las
ecco alcuni alcune qualche due tre miei mie nostri per da di mio mia io vorrei voglio della
il e anche ne
här är några ett par två tre mina våra för från mig jag vill skulle gärna ta och också med
dig min mitt till
""")
# Words naming the meeting itself, which say nothing of what a line or subject is about.
_MEETING = re.compile(
    rf"\b((for|on|before|am|für|op|voor|pour|para|el|per|på) ({_DAYS})('s)?"
    r"|(next|this) (time|week)"
    r"|((for|at|in) )?(our|the)( next)? (1-2-1|1:1|one-to-one|one to one|meeting|catch-up"
    r"|catch up|chat)|1-2-1|1:1|121|one-to-one|one to one|nächstes mal|nächste woche"
    r"|unser(en|em)? (gespräch|termin|treffen)|volgende (keer|week)|ons (gesprek|overleg)"
    r"|la prochaine fois|la semaine prochaine|notre (réunion|point|entretien)"
    r"|la próxima (vez|semana)|nuestra reunión|la prossima (volta|settimana)"
    r"|la nostra riunione|nästa (gång|vecka)|vårt möte)\b")
# A subject may name the meeting, or getting ready for it, in words of its own ("Prep for
# Thursday", "1:1 prep", "Catch-up topics", "Vorbereitung Jour fixe", "Voorbereiding bila"):
# it then heads no line. Only in subjects: in a mail a line "Meetings:" or "Sync:" above a list
# may be what its items are about.
_MEETING_WORDS = _word_set("""
prep prepping preparation preparations prepare preparing ready ahead before catch catchup
check sync chat meeting session 1on1 today today's tonight tomorrow's upcoming next weekly
fortnightly monthly regular usual
vorbereitung vorbereiten jour fixe gespräch termin treffen heute nächste nächsten unseren
unserem
voorbereiding voorbereiden bila overleg gesprek vandaag op één volgende
préparation préparer préparatifs réunion point entretien tête aujourd'hui prochain prochaine
preparación preparar reunión uno hoy próxima próximo
preparazione preparare riunione incontro oggi prossima prossimo
förberedelse förberedelser förbereda inför möte mötet avstämning samtal medarbetarsamtal
idag dag
""")
_FROM_ME = re.compile(r"\b(from (me|my (side|end))|von mir|van (mijn kant|mij)|de (mon côté"
                      r"|ma part)|por mi parte|da parte mia|från (mig|min sida))\b")
_MONTHS = _word_set("jan feb mar apr may jun jul aug sep sept oct nov dec january february "
                    "march april june july august september october november december")
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CLAUSES = re.compile(r"\s*(?:[,;!.?:：]+|\s[-–—]+)\s*")


def _plain_words(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def is_lead_in(line: str, *, keyed: bool = True, subject: bool = False) -> bool:
    """Whether the line only introduces what follows ("A couple of things from me:", "Mijn
    punten:", "Here are mine"): no word of it says what about. ``keyed``: it must name
    topics, points or the like, or, ending with a colon, talking about them ("I'd like to
    discuss:"); else a line such as "Also:" is one too. A ``subject`` may name the
    meeting's day or date, and the meeting or getting ready for it in other words, as well
    ("Topics for 3 Dec", "Prep for Thursday's 1:1")."""
    if len(line) > 2 * SIGNATURE_LINE_CHARS + 80:  # more than 16 words, whatever they are
        return False
    text = _plain_words(line)
    colon = text.endswith((":", "："))
    text, said = _FROM_ME.subn(" ", text.rstrip(" :："))
    words = _WORDS.findall(_MEETING.sub(" ", text))
    if len(words) > 16 or not all(
            w in _LEAD_NOUNS or w in _LEAD_VERBS or w in _LEAD_SMALL or w.isdigit()
            or (subject and (re.fullmatch(_DAYS, w.removesuffix("'s")) or w in _MONTHS
                             or w in _MEETING_WORDS)) for w in words):
        return False
    if not keyed:
        return True
    if colon:
        return bool(said) or any(w in _LEAD_NOUNS or w in _LEAD_VERBS for w in words)
    # Without a colon, a phrase naming topics and no more: "Can we talk about this?" and
    # "Topic 3" say something.
    return (not text.endswith("?") and not any(w.isdigit() for w in words)
            and (bool(said) or any(w in _LEAD_NOUNS for w in words)))


def is_intro(line: str) -> bool:
    """Whether the line only opens a mail: a greeting, thanks, an acknowledgement, thanks
    for asking, "Hope you're well", a lead-in, or several of them ("Hi Mia, thanks for
    asking - a couple of things from me:")."""
    if len(line) > 2 * SIGNATURE_LINE_CHARS + 80:
        return False
    if is_opener(line):
        return True
    clauses = [c for c in _CLAUSES.split(line) if c]
    # Without a colon a lead-in is a phrase ("Two things from me"), not one word: a line
    # "Questions" may be the topic.
    colon = line.rstrip().endswith((":", "："))
    greeted = False
    for n, clause in enumerate(clauses):
        if greeted and is_name(clause.split()) and len(clause.split()) <= 2:
            greeted = False  # "Hi, Mia, …": the name after a greeting
            continue
        greeted = is_greeting(clause)
        if not (greeted or is_sign_off(clause) or is_acknowledgement(clause)
                or _OPENING.fullmatch(_plain_words(clause))
                or (is_lead_in(clause + (":" if colon and n == len(clauses) - 1 else ""))
                    and (colon or len(clause.split()) > 1))):
            return False
    return bool(clauses)


def is_closing(line: str) -> bool:
    """Whether the line only closes a mail: a sign-off, thanks, an acknowledgement, "Let me
    know if you need anything", "No rush", or several ("Thanks, see you Tuesday!")."""
    if len(line) > 2 * SIGNATURE_LINE_CHARS + 80:
        return False
    if is_sign_off(line) or is_acknowledgement(line):
        return True
    clauses = [c for c in _CLAUSES.split(line) if c]
    return bool(clauses) and all(
        is_sign_off(c) or is_acknowledgement(c) or _CLOSING.fullmatch(_plain_words(c))
        for c in clauses)
