"""Import a sanctions list file as a new snapshot, then re-screen every customer."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.lists.importers import ListFormatError, ftm, generic, ofac, un
from compliance.lists.services import sanctions_list_import

GENERIC_HELP = generic.__doc__.split("\n\n", 1)[1]


class Command(BaseCommand):
    help = (
        "Import a sanctions list as a new versioned snapshot (diffed against the previous one) and enqueue "
        "the re-screen of every customer.\n\n"
        "--format ofac --dir DIR  reads OFAC's legacy SDN CSV files DIR/sdn.csv, alt.csv and add.csv\n"
        "                         (or sdn.csv.gz, ... as kept in compliance/demo_data/ofac_sdn).\n"
        "--format un FILE         reads the UN Security Council consolidated list (XML as published).\n"
        "--format ftm FILE        reads an OpenSanctions dataset in FollowTheMoney JSON lines (entities.ftm.json;\n"
        "                         give --list-code, e.g. opensanctions_sanctions).\n"
        "--format generic FILE    reads a generic CSV (give --list-code for it):\n" + GENERIC_HELP
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="the list file (--format un, ftm or generic)")
        parser.add_argument("--format", choices=["ofac", "un", "ftm", "generic"], required=True)
        parser.add_argument("--dir", help="directory holding sdn.csv, alt.csv, add.csv (--format ofac)")
        parser.add_argument("--list-code", help="list code; default ofac_sdn for OFAC")
        parser.add_argument("--list-name", help="human name of the list")
        parser.add_argument("--no-rescreen", action="store_true", help="do not enqueue the customer re-screen")

    def handle(self, *args, **options) -> None:
        try:
            if options["format"] == "ofac":
                if not options["dir"]:
                    raise CommandError("--format ofac needs --dir")
                entries, checksum = ofac.parse_directory(Path(options["dir"]))
                source, code = str(options["dir"]), options["list_code"] or "ofac_sdn"
                name = options["list_name"] or "OFAC Specially Designated Nationals"
            elif options["format"] == "un":
                if not options["file"]:
                    raise CommandError("--format un needs FILE")
                entries, checksum = un.parse_file(Path(options["file"]))
                source, code = options["file"], options["list_code"] or "un_sc"
                name = options["list_name"] or "UN Security Council Consolidated List"
            else:
                if not options["file"] or not options["list_code"]:
                    raise CommandError(f"--format {options['format']} needs FILE and --list-code")
                parser = ftm if options["format"] == "ftm" else generic
                entries, checksum = parser.parse_file(Path(options["file"]))
                source, code = options["file"], options["list_code"]
                name = options["list_name"] or code
        except ListFormatError as exc:
            raise CommandError(str(exc)) from exc
        snapshot = sanctions_list_import(
            list_code=code,
            list_name=name,
            entries=entries,
            source=source,
            checksum=checksum,
            rescreen=not options["no_rescreen"],
        )
        diff = snapshot.diff
        self.stdout.write(
            f"{code} v{snapshot.version}: {snapshot.entry_count} entries, {snapshot.name_count} names; "
            f"added {diff['added_count']}, removed {diff['removed_count']}, changed {diff['changed_count']}"
        )
