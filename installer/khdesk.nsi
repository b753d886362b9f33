; khdesk — Windows installer (NSIS 3, Modern UI 2, Vietnamese).
;
; Built by installer/build.py:
;   makensis -DVERSION=0.1.0 -DVERSION_QUAD=0.1.0.0 -DSRCDIR=<repo>/dist/khdesk
;            -DOUTFILE=<repo>/dist/khdesk-0.1.0-setup.exe installer/khdesk.nsi
; (Debian's `nsis` package gives makensis on Linux: the script is compiled, and so
; checked, there too.)
;
; Per-machine install into Program Files (admin), Start-menu and desktop shortcuts, an
; uninstaller and its entry in "Apps & features". The program's folder holds only the
; program: each user's data lives in %LOCALAPPDATA%\khdesk (profiles, backups, logs),
; which an upgrade or an uninstall never touches. Windows older than 10 (1809) or 32-bit
; Windows is refused with a message (PySide6 6 / Qt 6 do not run there).

Unicode true
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestSupportedOS all
ManifestDPIAware true

!ifndef VERSION
  !error "Thiếu số phiên bản: makensis -DVERSION=x.y.z ..."
!endif
!ifndef VERSION_QUAD
  !define VERSION_QUAD "${VERSION}.0"
!endif
!ifndef SRCDIR
  !define SRCDIR "..\dist\khdesk"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\khdesk-${VERSION}-setup.exe"
!endif

; Code signing (README: "Ký số"): -DSIGN_CMD="signtool sign /fd SHA256 /f tinh.pfx ..."
; signs the setup .exe and the uninstaller it carries; "%1" is the file to sign.
!ifdef SIGN_CMD
  !finalize '${SIGN_CMD} "%1"' = 0
  !uninstfinalize '${SIGN_CMD} "%1"' = 0
!endif

!define APPNAME "khdesk"
!define FULLNAME "khdesk - Phát triển đảng viên"
!define PUBLISHER "khdesk"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\khdesk"
!define UNINSTALLER "go-cai-dat.exe"
!define ICON "${__FILEDIR__}\..\resources\icons\khdesk.ico"
!define MIN_BUILD 17763 ; Windows 10 version 1809, Qt 6's floor

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "WinVer.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

Name "${FULLNAME}"
Caption "Cài đặt ${APPNAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\khdesk"
InstallDirRegKey HKLM "${UNINSTKEY}" "InstallLocation"
BrandingText "${APPNAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

; -- pages --------------------------------------------------------------------------------

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "Cài đặt ${APPNAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "Chương trình này cài ${APPNAME}, phần mềm quản lý công tác phát triển đảng viên cho chi bộ và đảng ủy xã, phường, đặc khu (chạy không cần mạng).$\r$\n$\r$\nDữ liệu của từng người dùng nằm trong thư mục dữ liệu riêng (%LOCALAPPDATA%\khdesk): cài phiên bản mới hoặc gỡ cài đặt đều không xóa dữ liệu.$\r$\n$\r$\nNhấn Tiếp để tiếp tục."
!define MUI_FINISHPAGE_RUN "$INSTDIR\khdesk.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Mở ${APPNAME} ngay"
!define MUI_UNCONFIRMPAGE_TEXT_TOP "Gỡ chương trình ${APPNAME} khỏi máy. Dữ liệu (hồ sơ làm việc, bản sao lưu, nhật ký) trong %LOCALAPPDATA%\khdesk được giữ nguyên."

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "Vietnamese"

; -- version information (Properties -> Details of the setup .exe) -------------------------

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "FileDescription" "Cài đặt ${FULLNAME}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "LegalCopyright" "${PUBLISHER}"

; -- checks -------------------------------------------------------------------------------

!macro CHECK_WINDOWS
  ${IfNot} ${RunningX64}
  ${OrIfNot} ${AtLeastWin10}
  ${OrIfNot} ${AtLeastBuild} ${MIN_BUILD}
    MessageBox MB_OK|MB_ICONSTOP "${APPNAME} cần Windows 10 (bản 1809 trở lên) hoặc Windows 11, loại 64-bit.$\r$\n$\r$\nMáy này đang chạy phiên bản Windows cũ hơn hoặc bản 32-bit nên không cài được. Hãy nâng cấp Windows hoặc cài trên máy khác." /SD IDOK
    Abort
  ${EndIf}
!macroend

Function .onInit
  !insertmacro CHECK_WINDOWS
  SetShellVarContext all
  SetRegView 64
  ; An earlier install elsewhere: install over it (same folder).
  ReadRegStr $0 HKLM "${UNINSTKEY}" "InstallLocation"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
FunctionEnd

Function un.onInit
  SetShellVarContext all
  SetRegView 64
FunctionEnd

; -- install ------------------------------------------------------------------------------

Section "khdesk" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the program whole, so no file of the old version lingers.
  ; Only the program's own names: the folder may have been chosen by hand.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\khdesk.exe"
  Delete "$INSTDIR\khdesk-cli.exe"
  File /r "${SRCDIR}\*.*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  CreateDirectory "$SMPROGRAMS\khdesk"
  CreateShortcut "$SMPROGRAMS\khdesk\khdesk.lnk" "$INSTDIR\khdesk.exe" "" "$INSTDIR\khdesk.exe" 0
  CreateShortcut "$SMPROGRAMS\khdesk\Gỡ cài đặt khdesk.lnk" "$INSTDIR\${UNINSTALLER}"
  CreateShortcut "$DESKTOP\khdesk.lnk" "$INSTDIR\khdesk.exe" "" "$INSTDIR\khdesk.exe" 0

  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${FULLNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\khdesk.exe,0"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

; -- uninstall ----------------------------------------------------------------------------
; Removes the program's files and shortcuts only. %LOCALAPPDATA%\khdesk (every user's
; profiles, backups and logs) is never touched.

Section "Uninstall"
  Delete "$DESKTOP\khdesk.lnk"
  Delete "$SMPROGRAMS\khdesk\khdesk.lnk"
  Delete "$SMPROGRAMS\khdesk\Gỡ cài đặt khdesk.lnk"
  RMDir "$SMPROGRAMS\khdesk"

  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\khdesk.exe"
  Delete "$INSTDIR\khdesk-cli.exe"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR" ; only when empty: nothing else in the folder is removed

  DeleteRegKey HKLM "${UNINSTKEY}"
SectionEnd
