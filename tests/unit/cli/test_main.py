import pytest

from pacific.cli import main


def test_version(capsys):
    assert main.main(["version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pacific ") and "v1.32" in out


def test_up_and_server_differ_only_in_the_scheduler():
    parser = main.build_parser()
    up = parser.parse_args(["up", "--data-dir", "/tmp/x", "--port", "7443"])
    server = parser.parse_args(["server"])
    assert up.scheduler is True and server.scheduler is False
    assert up.port == 7443 and server.port == 6443
    assert str(server.data_dir) == "/var/lib/pacific"


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main.main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_sim_hosts_arguments():
    args = main.build_parser().parse_args(
        ["sim-hosts", "--count", "1000", "--cpu", "64", "--memory", "512Gi", "--numa", "2"]
    )
    assert (args.count, args.cpu, args.memory, args.numa) == (1000, 64, "512Gi", 2)


def test_image_ls_on_an_empty_store(tmp_path, capsys):
    assert main.main(["image", "--root", str(tmp_path), "ls"]) == 0
    assert capsys.readouterr().out.split() == ["IMAGE", "ID", "SIZE", "CREATED"]


def test_image_import_of_a_file_that_is_not_an_image(tmp_path, capsys):
    bogus = tmp_path / "not-an-image.tar"
    bogus.write_bytes(b"hello")
    assert main.main(["image", "--root", str(tmp_path / "store"), "import", str(bogus)]) == 1
    assert capsys.readouterr().out.startswith("error: ")


def test_image_rm_of_a_missing_image(tmp_path, capsys):
    assert main.main(["image", "--root", str(tmp_path), "rm", "busybox"]) == 1
    assert "error: " in capsys.readouterr().out


def test_up_host_options_and_no_agent():
    parser = main.build_parser()
    args = parser.parse_args(
        ["up", "--bridge", "pb0", "--pod-cidr", "10.9.0.0/24", "--agent-port", "11250"]
    )
    assert (args.no_agent, args.bridge, args.pod_cidr, args.agent_port) == (
        False,
        "pb0",
        "10.9.0.0/24",
        11250,
    )
    assert parser.parse_args(["up", "--no-agent"]).no_agent is True
    assert parser.parse_args(["server"]).no_agent is True


def test_guest_build_needs_a_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main.main(["guest"])
    assert exc.value.code == 2


def test_a_second_bridge_gets_its_own_table_and_namespace_prefix(tmp_path):
    from pacific.cli.host import HostOptions, network_config

    default = network_config(HostOptions(data_dir=tmp_path, api_port=6443))
    assert (default.table, default.netns_prefix) == ("pacific", "pacific-")
    other = network_config(HostOptions(data_dir=tmp_path, api_port=6443, bridge="pt-1"))
    assert (other.table, other.netns_prefix) == ("pacific_pt_1", "pacific_pt_1-")
    assert not other.netns_prefix.startswith(default.netns_prefix)
