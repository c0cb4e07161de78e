from nsmcode.cli import main

main()
