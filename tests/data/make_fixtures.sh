#!/usr/bin/env bash
# Regenerate the small audio/video fixtures used by speechcase's bad-input and
# format tests. The outputs are committed, so tests never need these tools;
# run this only to rebuild them:   bash tests/data/make_fixtures.sh
#
# Needs on PATH: espeak-ng, sox, ffmpeg (with libopus, libmp3lame, libx264, aac).
#   Debian/Ubuntu: apt-get install espeak-ng sox ffmpeg
#
# What each file is for:
#   silence_10s.flac        10 s of digital silence, 16 kHz mono  -> "no speech found"
#   noise_10s.flac          10 s of quiet brown noise, no speech   -> "no speech found"
#   short_speech_3s.flac    ~3 s of speech                         -> "too short to analyse"
#   speech_12s.ogg|mp3|m4a  the same ~12 s of speech as Opus, MP3 and AAC -> other codecs decode
#   video_with_audio.mp4    160x120 H.264 video with that speech as AAC -> audio taken from video
#   video_no_audio.mp4      160x120 H.264 video, 3 s, no audio stream   -> clear error
#   not_audio.wav           a text file named .wav                      -> clear error
#   empty.wav               0 bytes                                     -> clear error
#   truncated.flac          first 2048 bytes of short_speech_3s.flac    -> corrupt file error
#   hotword_copy_24s.flac   not made here: the first 24.3 s of the talk rendered from
#                           benchmarks/talks/train/credit_short.json by the evaluation kit's gen_talk.py
#                           (sox credit_short.flac -C 8 hotword_copy_24s.flac trim 0 24.3); batched tiny.en
#                           with the hotwords writes only "Um, uh," for its first 17 s -> decoded again
#
# Everything is deterministic except the encoders' own metadata: sox -R fixes the
# noise seed, and ffmpeg's -bitexact / drop version strings and dates.
set -euo pipefail
cd "$(dirname "$0")"

VOICE=en-us
RATE=155
SHORT_TEXT="Hello, this is a short test of the recorder."
LONG_TEXT="In my last project I predicted which customers would cancel next month. \
I started with a simple rule as a baseline, then trained a boosted tree model, \
and it caught twice as many cancellations."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ff ARGS... OUT: ffmpeg quietly, without version strings or dates in the output.
ff() {
  local out="${@: -1}"
  ffmpeg -nostdin -hide_banner -loglevel error -y "${@:1:$#-1}" \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact "$out"
}

# speak TEXT OUT.wav: espeak-ng at 22.05 kHz, then 16 kHz mono 16-bit, edges trimmed, 0.3 s padding.
speak() {
  espeak-ng -v "$VOICE" -s "$RATE" -w "$tmp/raw.wav" "$1"
  sox -D "$tmp/raw.wav" -b 16 -c 1 "$2" \
    silence 1 0.02 -45d reverse silence 1 0.02 -45d reverse rate -v 16000 pad 0.3 0.3
}

# Silence and noise: 16 kHz mono FLAC. Brown noise at -40 dBFS stays well under 150 KB.
sox -D -n -r 16000 -c 1 -b 16 -C 8 silence_10s.flac trim 0 10
sox -D -R -n -r 16000 -c 1 -b 16 -C 8 noise_10s.flac synth 10 brownnoise gain -n -40

# Speech.
speak "$SHORT_TEXT" "$tmp/short.wav"
sox -D "$tmp/short.wav" -C 8 short_speech_3s.flac
speak "$LONG_TEXT" "$tmp/speech12.wav"

# The ~12 s talk in three lossy codecs.
ff -i "$tmp/speech12.wav" -c:a libopus -b:a 20k -ar 16000 -ac 1 speech_12s.ogg
ff -i "$tmp/speech12.wav" -c:a libmp3lame -b:a 24k -ar 16000 -ac 1 -write_xing 1 speech_12s.mp3
ff -i "$tmp/speech12.wav" -c:a aac -b:a 32k -ar 16000 -ac 1 -movflags +faststart speech_12s.m4a

# Tiny solid-colour videos: 160x120, 5 fps, very high CRF keeps them a few KB.
ff -f lavfi -t "$(soxi -D "$tmp/speech12.wav")" -i "color=c=navy:s=160x120:r=5" -i "$tmp/speech12.wav" -map 0:v -map 1:a \
   -c:v libx264 -preset veryslow -crf 45 -pix_fmt yuv420p -g 50 \
   -c:a aac -b:a 32k -ar 16000 -ac 1 -movflags +faststart video_with_audio.mp4
ff -f lavfi -i "color=c=darkgreen:s=160x120:r=5" -t 3 -an \
   -c:v libx264 -preset veryslow -crf 45 -pix_fmt yuv420p -movflags +faststart video_no_audio.mp4

# Broken inputs.
printf 'This is a plain text file, not audio.\nIt only has a .wav name.\n' > not_audio.wav
: > empty.wav
head -c 2048 short_speech_3s.flac > truncated.flac

ls -l silence_10s.flac noise_10s.flac short_speech_3s.flac speech_12s.ogg speech_12s.mp3 \
      speech_12s.m4a video_with_audio.mp4 video_no_audio.mp4 not_audio.wav empty.wav truncated.flac

# Telephone-band copy (8 kHz) of the 12 s speech, for the pitch-reliability check.
ffmpeg -loglevel error -y -i speech_12s.m4a -ar 8000 -ac 1 /tmp/speech_12s_8k.wav
sox /tmp/speech_12s_8k.wav speech_12s_8k.flac && rm /tmp/speech_12s_8k.wav

# A short talk with hesitations, for acoustic recovery of filled pauses (tests/test_recovery.py):
#   a held "um" (espeak at 80 wpm, 0.3 s of silence either side) that tiny.en drops from the transcript,
#   a drawn-out "so" (70 wpm) that Whisper writes as the word "so", and a held "uh" (60 wpm) that it writes.
# hesitations_14s.flac   ~14 s, 16 kHz mono
say_at() {  # say_at TEXT RATE OUT.wav: espeak-ng at RATE wpm, 16 kHz mono 16-bit, edges trimmed
  espeak-ng -v "$VOICE" -s "$2" -w "$tmp/raw.wav" "$1"
  sox -D "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$3" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
}
gap() { sox -D -n -r 16000 -c 1 -b 16 "$2" trim 0 "$1"; }
say_at "We first trained a plain logistic regression as the baseline" 160 "$tmp/h1.wav"
say_at "um" 80 "$tmp/h_um.wav"
say_at "then we added the session features." 160 "$tmp/h2.wav"
say_at "The latency looked fine, and" 160 "$tmp/h3.wav"
say_at "so" 70 "$tmp/h_so.wav"
say_at "we shipped it" 160 "$tmp/h4.wav"
say_at "uh" 60 "$tmp/h_uh.wav"
say_at "to ten percent of the traffic." 160 "$tmp/h5.wav"
gap 0.3 "$tmp/g30.wav"; gap 0.6 "$tmp/g60.wav"; gap 0.2 "$tmp/g20.wav"; gap 0.05 "$tmp/g05.wav"
sox -D "$tmp/g30.wav" "$tmp/h1.wav" "$tmp/g30.wav" "$tmp/h_um.wav" "$tmp/g30.wav" "$tmp/h2.wav" "$tmp/g60.wav" \
    "$tmp/h3.wav" "$tmp/g05.wav" "$tmp/h_so.wav" "$tmp/g05.wav" "$tmp/h4.wav" "$tmp/g20.wav" "$tmp/h_uh.wav" \
    "$tmp/g20.wav" "$tmp/h5.wav" "$tmp/g30.wav" -C 8 hesitations_14s.flac
