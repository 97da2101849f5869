"""`python -m service` is the same as the `onetoone` command."""

from service.cli import main

if __name__ == "__main__":
    main()
