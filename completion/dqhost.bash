# SPDX-License-Identifier: MIT
# Bash completion for dqhost: commands, flags, files, and the names of the installed solvers
# and models. The flags come from each command's --help text and the names from
# `dqhost list --names solvers|models`, with the --plugins directories already on the
# command line, so the completion follows the binary it completes.
# Installed as share/bash-completion/completions/dqhost; or: source completion/dqhost.bash

# Runs the dqhost being completed (the command line's own, e.g. ./build/dqhost) with the
# --plugins options seen so far; its stderr (rejected plugins) is dropped.
_dqhost_run()
{
    local dq=${COMP_WORDS[0]}
    dq=${dq/#\~/$HOME}
    if [[ $dq == */* ]]; then
        [[ -x $dq ]] || dq=dqhost
    else
        type -P "$dq" >/dev/null || dq=dqhost
    fi
    "$dq" "${_dqhost_plugins[@]}" "$@" 2>/dev/null
}

# The flags a command's --help mentions (the global ones with no command).
_dqhost_flags()
{
    _dqhost_run "$@" --help | grep -oE -- '(^|[] ,[|(])--?[a-zA-Z][a-zA-Z0-9-]*' |
        sed 's/^[] ,[|(]//' | sort -u
}

# COMPREPLY from words, matching $cur.
_dqhost_words()
{
    local IFS=$'\n' w
    mapfile -t w < <(compgen -W "$1" -- "$cur")
    COMPREPLY+=("${w[@]}")
}

# Files, directories too (to descend into); a glob pattern to keep, e.g. '*.json'.
_dqhost_files()
{
    local IFS=$'\n' f
    compopt -o filenames 2>/dev/null
    for f in $(compgen -f -- "$cur"); do
        # shellcheck disable=SC2053 # $1 is a glob
        if [[ -d $f || -z $1 || $f == $1 ]]; then
            COMPREPLY+=("$f")
        fi
    done
}

_dqhost()
{
    COMPREPLY=()
    local cur=${COMP_WORDS[COMP_CWORD]} prev=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # "--solver=rk" is split at '=' by COMP_WORDBREAKS: complete the value after it.
    if [[ $cur == = ]]; then
        cur=""
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
    fi

    # The global options and the command.
    local i w cmd=""
    _dqhost_plugins=()
    for ((i = 1; i < COMP_CWORD; ++i)); do
        w=${COMP_WORDS[i]}
        case $w in
            --plugins)
                if ((i + 1 < COMP_CWORD)); then
                    ((++i))
                    _dqhost_plugins+=(--plugins "${COMP_WORDS[i]/#\~/$HOME}")
                fi
                ;;
            --plugins=*) _dqhost_plugins+=("--plugins=${w#--plugins=}") ;;
            -*) ;;
            *)
                cmd=$w
                break
                ;;
        esac
    done

    if [[ -z $cmd ]]; then
        case $prev in
            --plugins)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                return
                ;;
        esac
        if [[ $cur == -* ]]; then
            _dqhost_words "$(_dqhost_flags)"
        else
            _dqhost_words $'list\nmodels\ninfo\nrun\ncheck\nplot\nmorph\nhelp'
        fi
        return
    fi

    # A flag's value.
    case $cmd:$prev in
        run:--solver)
            _dqhost_words "$(_dqhost_run list --names solvers)"
            return
            ;;
        run:--model)
            _dqhost_words "$(_dqhost_run list --names models)"
            return
            ;;
        run:--submodule)
            # M=S: the solver after the '='.
            if [[ $cur == *=* ]]; then
                local m=${cur%%=*}= IFS=$'\n' s
                for s in $(_dqhost_run list --names solvers); do
                    [[ $m$s == "$cur"* ]] && COMPREPLY+=("$m$s")
                done
            fi
            return
            ;;
        run:--format)
            # The formats the help text lists, e.g. "--format csv|json".
            _dqhost_words "$(_dqhost_run run --help |
                sed -n 's/^ *--format \([a-z0-9|]*\).*/\1/p' | tr '|' '\n')"
            return
            ;;
        run:-o | run:--output | run:--spikes | run:--plot | run:--replay)
            _dqhost_files
            return
            ;;
        run:--morphology)
            _dqhost_files '@(*.swc|*.json)'
            return
            ;;
        run:--discretisation)
            _dqhost_words $'d_lambda\nd_lambda:\nlength:\nnseg:'
            return
            ;;
        list:--names)
            _dqhost_words $'solvers\nmodels'
            return
            ;;
        *:-*)
            # Another flag that takes a value (its help line reads "  --flag VALUE  ..."): a
            # number, K=V or a list, nothing to offer.
            local help
            help=$(_dqhost_run "$cmd" --help)
            if grep -qE -- "^ *(-[a-zA-Z], )?$prev [^ ]" <<<"$help"; then
                return
            fi
            ;;
    esac

    if [[ $cur == -* ]]; then
        _dqhost_words "$(_dqhost_flags "$cmd")"$'\n-h\n--help'
        return
    fi
    case $cmd in
        run) _dqhost_files '*.json' ;;
        plot) _dqhost_files '' ;;
        morph) _dqhost_files '@(*.swc|*.json)' ;;
        info) _dqhost_words "$(_dqhost_run list --names solvers; _dqhost_run list --names models)" ;;
        check)
            _dqhost_words "$(_dqhost_run list --names solvers; _dqhost_run list --names models)"
            [[ $cur == */* || $cur == .* || -z ${COMPREPLY[*]} ]] && _dqhost_files '*.so'
            ;;
    esac
}

complete -F _dqhost dqhost
