import sys

from routerbot.cli import main

sys.exit(main())
