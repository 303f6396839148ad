# Times, states, intervals and placeholders (ui/src/format.ts).

time-yesterday = Yesterday
ago-never = never
ago-just-now = just now
ago-minutes = { $count } min ago
ago-hours = { $count } h ago
ago-days = { $count ->
    [one] yesterday
   *[other] { $count } days ago
}
until-now = now
until-seconds = in { $count } s
until-minutes = in { $count } min
until-hours = in { $count } h

state-up-to-date = Up to date
state-checking = Checking…
state-error = Error
state-not-checked = Not checked yet
state-connected = Connected
state-connecting = Connecting…
state-sign-in-failed = Sign-in failed
state-offline = Offline
state-starting = Starting…

interval-seconds = { $count ->
    [one] { $count } second
   *[other] { $count } seconds
}
interval-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
interval-hours = { $count ->
    [one] { $count } hour
   *[other] { $count } hours
}

sender-unknown = Unknown sender
subject-none = (no subject)

# Special-use folders (RFC 6154), shown beside a folder whose name does not say it.
special-all = All mail
special-archive = Archive
special-drafts = Drafts
special-flagged = Flagged
special-junk = Junk
special-sent = Sent
special-trash = Trash
